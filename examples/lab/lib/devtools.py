"""Stand-ins for the chatbot's CI tools (seed 003 §12-13): pytest, pip-audit, bandit, trivy.

The lab has no Python application to test or scan, only the small copy in
examples/lab/repo (a client and a smoke suite that calls the live lab API). So:
`pytest` runs that suite for real (unittest underneath, pytest's `-k` expressions);
`pip-audit` and `trivy image` check the repo's requirements.txt against a short
built-in advisory list (real advisories, not a vulnerability database); `bandit`
looks for a few dangerous patterns in the source. Each says on stderr that it is the
lab's stand-in.
"""

import os
import re
import sys
import time
import unittest

# (package, first fixed version, advisory id, CVE, severity)
ADVISORIES = [
    ("jinja2", "3.1.3", "GHSA-h5c8-rqwp-cp95", "CVE-2024-22195", "MEDIUM"),
    ("requests", "2.31.0", "GHSA-j8r2-6x86-q33q", "CVE-2023-32681", "MEDIUM"),
    ("urllib3", "1.26.5", "GHSA-q2q7-5pp4-w6pg", "CVE-2021-33503", "HIGH"),
]

# (test id, name, regex, severity, confidence, text)
BANDIT_CHECKS = [
    ("B602", "subprocess_popen_with_shell_equals_true", r"subprocess\.\w+\(.*shell\s*=\s*True", "High", "High",
     "subprocess call with shell=True identified, security issue."),
    ("B324", "hashlib", r"hashlib\.(md5|sha1)\(", "High", "High",
     "Use of weak MD5 or SHA1 hash for security. Consider usedforsecurity=False"),
    ("B307", "blacklist", r"(?<![\w.])eval\(", "Medium", "High",
     "Use of possibly insecure function - consider using safer ast.literal_eval."),
    ("B506", "yaml_load", r"yaml\.load\((?!.*SafeLoader)", "Medium", "High",
     "Use of unsafe yaml load. Allows instantiation of arbitrary objects."),
    ("B105", "hardcoded_password_string", r"password\s*=\s*['\"][^'\"]+['\"]", "Low", "Medium",
     "Possible hardcoded password."),
]
LEVELS = {"Low": 1, "Medium": 2, "High": 3}


def note(tool):
    sys.stderr.write(f"({tool}: runbook lab stand-in, see examples/lab/lib/devtools.py)\n")


def version_tuple(v):
    return tuple(int(p) if p.isdigit() else 0 for p in re.split(r"[.+-]", v))


def pinned(path):
    """name -> version for `name==version` lines of a requirements file."""
    pins = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*==\s*([0-9][^\s;#]*)", line)
            if m:
                pins[m.group(1).lower()] = m.group(2)
    return pins


def vulnerable(pins):
    return [(name, pins[name], adv, cve, fix, sev) for name, fix, adv, cve, sev in ADVISORIES
            if name in pins and version_tuple(pins[name]) < version_tuple(fix)]


def pip_audit(args):
    note("pip-audit")
    if "-r" not in args or args.index("-r") + 1 >= len(args):
        sys.stderr.write("usage: pip-audit -r REQUIREMENTS\n")
        return 2
    path = args[args.index("-r") + 1]
    try:
        found = vulnerable(pinned(path))
    except OSError as e:
        sys.stderr.write(f"ERROR: {e}\n")
        return 1
    if not found:
        print("No known vulnerabilities found")
        return 0
    packages = len({f[0] for f in found})
    print(f"Found {len(found)} known vulnerabilit{'y' if len(found) == 1 else 'ies'} in {packages} package"
          f"{'' if packages == 1 else 's'}")
    print(f"{'Name':<10} {'Version':<8} {'ID':<20} Fix Versions")
    print(f"{'-' * 10} {'-' * 8} {'-' * 20} ------------")
    for name, version, adv, _cve, fix, _sev in found:
        print(f"{name:<10} {version:<8} {adv:<20} {fix}")
    return 1


def trivy(args):
    note("trivy")
    if not args or args[0] != "image":
        sys.stderr.write("usage: trivy image [--severity S,S] [--exit-code N] IMAGE\n")
        return 2
    opts, image = {}, None
    it = iter(args[1:])
    for a in it:
        if a in ("--severity", "--exit-code", "--format"):
            opts[a] = next(it, "")
        elif not a.startswith("-"):
            image = a
    wanted = set((opts.get("--severity") or "UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL").upper().split(","))
    req = os.path.join(os.environ.get("REPO_DIR", "."), "requirements.txt")
    try:
        found = [f for f in vulnerable(pinned(req)) if f[5] in wanted]
    except OSError:
        found = []
    order = [s for s in ("UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL") if s in wanted]
    counts = {s: sum(1 for f in found if f[5] == s) for s in order}
    print(f"{image or 'image'} (debian 12.5)\n\nTotal: 0 ({', '.join(f'{s}: 0' for s in counts)})\n")
    print(f"Python (python-pkg)\n\nTotal: {len(found)} ({', '.join(f'{s}: {n}' for s, n in counts.items())})")
    for name, version, _adv, cve, fix, sev in found:
        print(f"  {name} {version}  {cve}  {sev}  fixed in {fix}")
    return int(opts.get("--exit-code") or 0) if found else 0


def bandit(args):
    note("bandit")
    level = max((a.count("l") for a in args if re.fullmatch(r"-l+", a)), default=1)
    targets = [a for a in args if not a.startswith("-")] or ["."]
    issues, lines = [], 0
    for target in targets:
        for root, _dirs, files in os.walk(target):
            for name in sorted(files):
                if not name.endswith(".py"):
                    continue
                path = os.path.join(root, name)
                with open(path, errors="replace") as f:
                    for n, line in enumerate(f, 1):
                        lines += 1
                        for tid, tname, rx, sev, conf, text in BANDIT_CHECKS:
                            if LEVELS[sev] >= level and re.search(rx, line):
                                issues.append((tid, tname, sev, conf, text, f"{path}:{n}"))
    print(f"[main]\tINFO\trunning on Python {sys.version.split()[0]}\nRun started:{time.strftime('%Y-%m-%d %H:%M:%S')}\n")
    print("Test results:")
    if not issues:
        print("\tNo issues identified.")
    for tid, tname, sev, conf, text, where in issues:
        print(f">> Issue: [{tid}:{tname}] {text}\n   Severity: {sev}   Confidence: {conf}\n   Location: {where}\n")
    print(f"\nCode scanned:\n\tTotal lines of code: {lines}\n\nRun metrics:\n\tTotal issues (by severity):")
    for sev in ("Low", "Medium", "High"):
        print(f"\t\t{sev}: {sum(1 for i in issues if i[2] == sev)}")
    return 1 if issues else 0


def pytest(args):
    """Runs tests/test_*.py with unittest; `-k` takes pytest's `a or b and not c` expressions."""
    note("pytest")
    expr = args[args.index("-k") + 1] if "-k" in args and args.index("-k") + 1 < len(args) else None
    quiet = "-q" in args
    paths = [a for i, a in enumerate(args) if not a.startswith("-") and (i == 0 or args[i - 1] != "-k")] or ["tests"]
    suite = unittest.TestSuite()
    loader = unittest.TestLoader()
    for path in paths:
        if os.path.isdir(path):
            suite.addTests(loader.discover(path, pattern="test_*.py", top_level_dir=path))
    tests = list(iter_tests(suite))
    selected = [t for t in tests if expr is None or matches(expr, t.id())]
    if not selected:
        print(f"no tests ran ({len(tests)} deselected)")
        return 5
    started = time.monotonic()
    result = unittest.TestResult()
    for test in selected:
        test.run(result)
    failed = result.failures + result.errors
    if not quiet:
        for test in selected:
            print(test.id())
    print("." * (len(selected) - len(failed)) + "F" * len(failed))
    for test, trace in failed:
        last = trace.strip().splitlines()[-1] if trace.strip() else "error"
        print(f"FAILED {test.id()} - {last}")
    parts = [f"{len(failed)} failed"] if failed else []
    parts.append(f"{len(selected) - len(failed)} passed")
    if len(tests) > len(selected):
        parts.append(f"{len(tests) - len(selected)} deselected")
    print(f"{', '.join(parts)} in {time.monotonic() - started:.2f}s")
    return 1 if failed else 0


def iter_tests(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from iter_tests(item)
        else:
            yield item


def matches(expr, name):
    """pytest `-k`: substrings combined with and/or/not and parentheses."""
    tokens = re.findall(r"\(|\)|[A-Za-z0-9_\[\]-]+", expr)
    py = []
    for tok in tokens:
        if tok in ("and", "or", "not", "(", ")"):
            py.append(tok)
        else:
            py.append(repr(tok.lower() in name.lower()))
    try:
        return bool(eval(" ".join(py), {"__builtins__": {}}, {}))  # only True/False/and/or/not/()
    except SyntaxError:
        return False


def main(argv):
    tools = {"pytest": pytest, "pip-audit": pip_audit, "bandit": bandit, "trivy": trivy}
    if len(argv) < 2 or argv[1] not in tools:
        sys.stderr.write(f"usage: devtools.py {'|'.join(tools)} ARGS\n")
        return 2
    return tools[argv[1]](argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
