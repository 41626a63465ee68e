"""Alembic stand-in over the chatbot database's `alembic_version` table (seed 003 §11).

The revision chain is fixed (the lab has no migration scripts); `upgrade`/`downgrade`
move the real version row along it. The head revision carries real DDL (the users
lockout columns), so a deploy and a rollback change the schema, not only the row.
"""

import sys

from clients import ServerError, Unavailable, quote
from common import Lab

# (revision, down_revision, message), oldest first; sql/chatbot.sql stamps the head.
CHAIN = [("a1b2c3d4e5f6", None, "initial schema"), ("9f8e7d6c5b4a", "a1b2c3d4e5f6", "audit events"),
         ("c41f7a9e2b10", "9f8e7d6c5b4a", "users lockout columns")]
HEAD = CHAIN[-1][0]
# revision -> (upgrade DDL, downgrade DDL), run in the same transaction as the version row.
DDL = {
    "c41f7a9e2b10": ("ALTER TABLE users ADD COLUMN IF NOT EXISTS failed_attempts INTEGER NOT NULL DEFAULT 0, "
                     "ADD COLUMN IF NOT EXISTS locked_until TIMESTAMPTZ",
                     "ALTER TABLE users DROP COLUMN IF EXISTS failed_attempts, DROP COLUMN IF EXISTS locked_until"),
}
LOG = "INFO  [alembic.runtime.migration]"


def current(db):
    return db.scalar("SELECT string_agg(version_num, ' ') FROM alembic_version")


def index_of(rev):
    for i, (r, _, _) in enumerate(CHAIN):
        if r.startswith(rev):
            return i
    raise SystemExit(f"ERROR [alembic.util.messaging] Can't locate revision identified by '{rev}'")


def target(rev, now):
    if rev == "head" or rev == "heads":
        return len(CHAIN) - 1
    if rev == "base":
        return -1
    if rev.startswith(("+", "-")) and rev[1:].isdigit():
        return max(-1, min(len(CHAIN) - 1, now + int(rev)))
    return index_of(rev)


def migrate(db, rev, down):
    cur = current(db)
    if cur and " " in cur:
        raise SystemExit("ERROR [alembic.util.messaging] Multiple head revisions are present; please specify a target")
    now = index_of(cur) if cur else -1
    goal = target(rev, now)
    print(f"{LOG} Context impl PostgresqlImpl.\n{LOG} Will assume transactional DDL.")
    steps = range(now + 1, goal + 1) if not down else range(now, goal, -1)
    ddl = []
    for i in steps:
        r, prev, msg = CHAIN[i]
        frm, to = (prev or "", r) if not down else (r, prev or "")
        print(f"{LOG} Running {'downgrade' if down else 'upgrade'} {frm} -> {to}, {msg}")
        if r in DDL:
            ddl.append(DDL[r][1 if down else 0])
    new = CHAIN[goal][0] if goal >= 0 else None
    version = "DELETE FROM alembic_version" + (f"; INSERT INTO alembic_version VALUES ({quote(new)})" if new else "")
    db.query("; ".join(ddl + [version]))


def main(argv):
    # `-1` is a relative revision (`alembic downgrade -1`), not an option.
    args = [a for a in argv[1:] if not a.startswith("-") or a[1:].isdigit()]
    verbose = "--verbose" in argv or "-v" in argv
    if not args:
        sys.stderr.write("usage: alembic current|heads|history [--verbose]|upgrade REV|downgrade REV|stamp REV\n")
        return 2
    db = Lab().pg("chatbot", "chatbot", "alembic")
    try:
        cmd = args[0]
        if cmd == "current":
            cur = current(db)
            print(f"{LOG} Context impl PostgresqlImpl.\n{LOG} Will assume transactional DDL.")
            for rev in (cur or "").split():
                print(f"{rev}{' (head)' if rev == HEAD else ''}")
        elif cmd == "heads":
            print(f"{HEAD} (head)")
        elif cmd == "history":
            for r, prev, msg in reversed(CHAIN):
                print(f"{prev or '<base>'} -> {r}{' (head)' if r == HEAD else ''}, {msg}")
                if verbose:
                    print(f"    Revision ID: {r}\n    Revises: {prev or ''}\n    Create Date: 2025-10-01 10:00:00\n")
        elif cmd in ("upgrade", "downgrade"):
            if len(args) < 2:
                raise SystemExit(f"alembic {cmd}: a revision is required (e.g. head)")
            migrate(db, args[1], cmd == "downgrade")
        elif cmd == "merge":
            heads = (current(db) or "").split()
            if len(heads) < 2:
                print(f"{LOG} Context impl PostgresqlImpl.\nNothing to merge: a single head ({HEAD}).")
            else:
                raise SystemExit("alembic merge: the lab has no migration scripts to merge; stamp the head instead")
        elif cmd == "stamp":
            rev = CHAIN[index_of(args[1])][0] if len(args) > 1 and args[1] != "head" else HEAD
            db.query(f"DELETE FROM alembic_version; INSERT INTO alembic_version VALUES ({quote(rev)})")
        else:
            raise SystemExit(f"alembic {cmd}: not available in the runbook lab")
    except (Unavailable, ServerError) as e:
        sys.stderr.write(f"sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) {e}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
