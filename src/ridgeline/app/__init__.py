"""The use cases, one entry each: config objects in, result objects out, nothing printed.

The command line, the edge agent and the HTTP API all call this layer, so a use case is
written once.  It composes the engines (terrain, vision, maritime) and the services
(transport, store, rules); nothing below it imports it.
"""
