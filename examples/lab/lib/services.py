"""The lab's application processes: `api`, `worker`, `scheduler`, `web`, `prometheus`.

Usage: services.py NAME --lab LAB_DIR   (started by control.py, never by hand)

Every answer comes from the real servers: job counts from "IntegrationJob" rows,
queue depths from `bull:*` lists, rate limits from Redis counters. What a real
process keeps in memory (a secret read at start, a wedged state) is kept in memory
here too, so only a restart clears it.
"""

import sys


def serve_api():
    import api
    import routes_anclora  # noqa: F401  (the route modules register themselves)
    import routes_chatbot  # noqa: F401
    import routes_pedidos  # noqa: F401
    import routes_remember_me  # noqa: F401
    api.serve_api()


def run_worker():
    from worker import Worker
    Worker().run()


def run_scheduler():
    from scheduler import Scheduler
    Scheduler().run()


def serve_web():
    from sidecars import serve_web as serve
    serve()


def serve_prometheus():
    from sidecars import serve_prometheus as serve
    serve()


def main(argv):
    name = argv[1] if len(argv) > 1 else ""
    programs = {"api": serve_api, "worker": run_worker, "scheduler": run_scheduler, "web": serve_web,
                "prometheus": serve_prometheus}
    if name not in programs:
        sys.stderr.write(f"usage: services.py {{{'|'.join(programs)}}} --lab LAB_DIR\n")
        return 2
    programs[name]()
    return 0
if __name__ == "__main__":
    sys.exit(main(sys.argv))
