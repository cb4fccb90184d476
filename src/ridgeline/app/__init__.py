"""The use cases, one entry each: config objects in, result objects out, nothing printed.

The command line, the edge agent and the HTTP API all call this layer, so a use case is
written once.  It composes the engines (terrain, vision, maritime) and the services
(transport, store, rules); nothing below it imports it.  Long work reports how far it got
through an optional callback (:mod:`ridgeline.app.progress`).

::

    viewshed   viewshed                         one exact viewshed, written as a GeoTIFF
    planning   plan_coverage, plan_sites,       coverage and blind spots, new masts (the
               radio_links                      coverage after them), site-to-tower links
    vessels    judge_ais                        vessel behaviours from AIS and radar
    camera     watch_camera, track_detections   a camera's events; MOTChallenge tracking
    centre     start_centre                     ingest, rules, health (embedded broker too)
    live       run_live                         the sector on one machine, simulated
    alerts     list_alerts, get_alert,          work the alerts as a team (store first,
               acknowledge, clear, assign,      then the arguments, then the actor)
               comment, move_alert, resolve
    incidents  open_incident, add_alerts,       the cases a team works
               comment, close, reopen,
               set_legal_hold, get_incident,
               list_incidents
    incident_  incident_timeline,               an incident's timeline, and what a case
    record     incident_record                  file is built from
    database   open_existing                    a database that must already exist
    brokers    broker_config                    broker settings from URL and options
    casefiles  export_case, verify_case,        case files for handover: a signed ZIP of an
               CentreKey                        incident, checked file by file
"""
