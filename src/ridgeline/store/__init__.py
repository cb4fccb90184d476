"""Storage: the database schema, its migrations, and the repository the centre writes through."""
