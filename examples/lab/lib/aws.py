"""The thinnest AWS CLI the Anclora seed needs: ECS, CloudWatch and CloudWatch Logs.

The ECS service `anclora-whatsapp` is the lab's api process: its running count is the
desired count while the api is up and healthy, 0 otherwise; a new deployment restarts
it. Desired count and task definition live in $LAB_DIR/state/ecs.json (the worker reads
the desired count: more tasks drain the Bull queue faster).
"""

import json
import os
import re
import signal
import sys
import time
import urllib.error
import urllib.request

import control
from common import Lab

REGION, ACCOUNT = "eu-west-1", "000000000000"


class CliError(Exception):
    pass


# ---------------------------------------------------------------- --query (JMESPath subset)


def split_top(expr, sep):
    parts, depth, cur = [], 0, ""
    for c in expr:
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        if c == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += c
    parts.append(cur)
    return parts


def query(data, expr):
    """`a.b[0].c`, `a[*].b`, `a[]`, `{K: expr, ...}` and `a[?k=='v']`: what the seeds use."""
    expr = expr.strip()
    if not expr:
        return data
    if expr.startswith("{") and expr.endswith("}"):
        out = {}
        for item in split_top(expr[1:-1], ","):
            key, _, sub = item.partition(":")
            out[key.strip()] = query(data, sub)
        return out
    steps = split_top(expr, ".")
    if len(steps) > 1:
        for i, step in enumerate(steps):
            if isinstance(data, list) and projected(steps[i - 1] if i else ""):
                rest = ".".join(steps[i:])
                return [v for v in (query(d, rest) for d in data) if v is not None]
            data = query(data, step)
        return data
    m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)?((?:\[[^\]]*\])*)", expr)
    if not m:
        raise CliError(f"Bad value for --query {expr}: invalid token")
    if m.group(1):
        data = data.get(m.group(1)) if isinstance(data, dict) else None
    for index in re.findall(r"\[([^\]]*)\]", m.group(2) or ""):
        if not isinstance(data, list):
            return None
        if index in ("", "*"):
            data = list(data)
        elif index.startswith("?"):
            k, _, v = index[1:].partition("==")
            data = [d for d in data if isinstance(d, dict) and str(d.get(k.strip())) == v.strip().strip("'`\"")]
        else:
            try:
                data = data[int(index)]
            except (IndexError, ValueError):
                return None
    return data


def projected(step):
    return bool(re.search(r"\[(\*|\?[^\]]*)?\]$", step))


def output(data, args):
    fmt = args.get("--output", "json")
    if "--query" in args:
        data = query(data, args["--query"])
    if fmt == "text":
        def flat(v):
            if isinstance(v, dict):
                return "\t".join(flat(x) for x in v.values())
            if isinstance(v, list):
                return "\n".join(flat(x) for x in v)
            return "None" if v is None else str(v)
        print(flat(data))
    else:
        print(json.dumps(data, indent=4))


# ---------------------------------------------------------------- ECS


def ecs_state(lab):
    with open(lab.state("ecs.json")) as f:
        return json.load(f)


def save_ecs(lab, ecs):
    with open(lab.state("ecs.json"), "w") as f:
        json.dump(ecs, f)


def api_healthy(lab):
    if not control.is_running(lab, "api"):
        return False
    try:
        with urllib.request.urlopen(lab.env["API_URL"] + "/health", timeout=3) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def service_doc(lab, cluster, name):
    ecs = ecs_state(lab)
    desired = ecs.get("desiredCount", 2)
    running = desired if api_healthy(lab) else 0
    return {"serviceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{cluster}/{name}", "serviceName": name,
            "clusterArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{cluster}", "status": "ACTIVE",
            "desiredCount": desired, "runningCount": running, "pendingCount": 0, "launchType": "FARGATE",
            "taskDefinition": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{ecs.get('taskDefinition')}",
            "deployments": [{"id": "ecs-svc/lab", "status": "PRIMARY", "desiredCount": desired,
                             "runningCount": running, "rolloutState": "COMPLETED" if running else "IN_PROGRESS"}],
            "events": [{"message": f"(service {name}) has reached a steady state." if running else
                        f"(service {name}) has tasks failing health checks."}]}


def task_arn(cluster, tag):
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/{cluster}/{tag}"


def ecs(lab, op, args):
    cluster = args.get("--cluster", "default")
    if op == "describe-services":
        names = args.get("--services", "").split()
        return {"services": [service_doc(lab, cluster, n) for n in names], "failures": []}
    if op == "list-tasks":
        state = ecs_state(lab)
        if args.get("--desired-status", "RUNNING") == "STOPPED":
            return {"taskArns": [t["taskArn"] for t in state.get("stoppedTasks", [])]}
        running = state.get("desiredCount", 2) if api_healthy(lab) else 0
        return {"taskArns": [task_arn(cluster, f"{i:032x}") for i in range(1, running + 1)]}
    if op == "describe-tasks":
        stopped = {t["taskArn"]: t for t in ecs_state(lab).get("stoppedTasks", [])}
        tasks = []
        for arn in args.get("--tasks", "").split():
            t = stopped.get(arn) or next(iter(stopped.values()), None)
            if t is None:
                tasks.append({"taskArn": arn, "lastStatus": "RUNNING", "containers": [{"name": "app", "lastStatus": "RUNNING"}]})
            else:
                tasks.append({"taskArn": t["taskArn"], "lastStatus": "STOPPED", "stopReason": t["stopReason"],
                              "containers": [{"name": "app", "lastStatus": "STOPPED", "reason": t["containerReason"]}]})
        return {"tasks": tasks, "failures": []}
    if op == "update-service":
        state = ecs_state(lab)
        # A new deployment, a new task definition or a new task count all replace the tasks.
        restart = any(k in args for k in ("--force-new-deployment", "--task-definition", "--desired-count"))
        if "--desired-count" in args:
            try:
                state["desiredCount"] = max(0, int(args["--desired-count"]))
            except ValueError:
                raise CliError("argument --desired-count: expected an integer") from None
        if "--task-definition" in args:
            state["taskDefinition"] = args["--task-definition"]
        save_ecs(lab, state)
        if state["desiredCount"] == 0:
            control.stop(lab, "api")
        elif restart:
            control.restart(lab, "api")
        else:
            control.start(lab, "api")
        control.wait_healthy(lab) if state["desiredCount"] else None
        return {"service": service_doc(lab, cluster, args.get("--service", "anclora-whatsapp"))}
    if op == "register-task-definition":
        state = ecs_state(lab)
        family, _, rev = state.get("taskDefinition", "anclora-whatsapp:7").partition(":")
        revision = int(rev or 0) + 1
        return {"taskDefinition": {"family": family, "revision": revision, "status": "ACTIVE",
                                   "taskDefinitionArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{family}:{revision}"}}
    raise CliError(f"aws ecs {op}: not simulated in the runbook lab")


# ---------------------------------------------------------------- CloudWatch and Logs


def cloudwatch(lab, op, args):
    if op != "get-metric-statistics":
        raise CliError(f"aws cloudwatch {op}: not simulated in the runbook lab")
    pid = control.service_pid(lab, "api") if control.is_running(lab, "api") else None
    pct = 0.0
    if pid:
        try:
            with open(f"/proc/{pid}/status") as f:
                rss = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))
            limit = int(lab.app_config().get("TASK_MEMORY_MB", 160)) * 1048576
            pct = round(rss / limit * 100, 2)
        except (OSError, StopIteration, ValueError):
            pass
    now = time.time()
    points = [{"Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - i * 300)), "Average": pct,
               "Maximum": pct, "Unit": "Percent"} for i in range(3)]
    return {"Label": args.get("--metric-name", "MemoryUtilization"), "Datapoints": points}


def logs(lab, op, args, raw):
    lines = []
    try:
        with open(lab.logfile("api"), errors="replace") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        pass
    if op == "filter-log-events":
        pattern = args.get("--filter-pattern", "").strip('"')
        events = [{"logStreamName": "ecs/app/lab", "message": line, "timestamp": int(time.time() * 1000)}
                  for line in lines if pattern in line][-200:]
        return {"events": events, "searchedLogStreams": [{"logStreamName": "ecs/app/lab", "searchedCompletely": True}]}
    if op == "tail":
        for line in lines[-100:]:
            print(f"{line[:24]} ecs/app/lab {line}")
        if "--follow" in raw:
            import compose
            lab_targets = [("api", "api")]
            compose.follow_logs(lab, lab_targets, 0, False)
        return None
    raise CliError(f"aws logs {op}: not simulated in the runbook lab")


def parse(argv):
    """Positional words and `--name value` options (flags without a value map to '')."""
    words, opts, i = [], {}, 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("--"):
            if "=" in a:
                k, v = a.split("=", 1)
                opts[k] = v
            else:
                values = []
                while i + 1 < len(argv) and not argv[i + 1].startswith("--"):
                    values.append(argv[i + 1])
                    i += 1
                opts[a] = " ".join(values)
        else:
            words.append(a)
        i += 1
    return words, opts


def main(argv):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    lab = Lab()
    words, opts = parse(argv[1:])
    if len(words) < 2:
        sys.stderr.write("usage: aws ecs|cloudwatch|logs OPERATION [--options]\n")
        return 252
    if not os.path.exists(lab.env_file):
        sys.stderr.write(f"aws: no runbook lab at {lab.root} (run examples/lab/up)\n")
        return 255
    service, op = words[0], words[1]
    try:
        if service == "ecs":
            result = ecs(lab, op, opts)
        elif service == "cloudwatch":
            result = cloudwatch(lab, op, opts)
        elif service == "logs":
            result = logs(lab, op, opts, argv)
        else:
            raise CliError(f"aws {service}: not simulated in the runbook lab")
        if result is not None:
            output(result, opts)
    except CliError as e:
        sys.stderr.write(f"\nAn error occurred (lab): {e}\n")
        return 254
    except control.LabError as e:
        sys.stderr.write(f"\nAn error occurred (ServiceUnavailable): {e}\n")
        return 254
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
