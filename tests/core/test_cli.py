#!/usr/bin/env python3
"""Tests of `maskd mask` / `maskd rules` from outside (standard library only).

    test_cli.py MASKD CORPUS            exit codes, stdout/stderr contract
    test_cli.py --score MASKD CORPUS    corpus score.py gates (slow: ~60 runs)

Exit status 0 when every check holds; failures are listed on stderr.
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile

FAILURES = []


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what)
    if not cond:
        FAILURES.append(what)


def run(args, stdin=b''):
    r = subprocess.run(args, input=stdin, capture_output=True, timeout=120)
    return r.returncode, r.stdout, r.stderr


def first_char(data):
    s = data.lstrip()
    return s[:1]


def contract(maskd, corpus):
    body_path = os.path.join(corpus, 'public', '001-small.json')
    with open(body_path, 'rb') as f:
        body = f.read()

    rc, out, err = run([maskd, 'mask', body_path])
    check(rc == 0, f'mask FILE exits 0 (got {rc}, stderr {err[:200]!r})')
    try:
        json.loads(out)
        valid = True
    except ValueError:
        valid = False
    check(valid, 'mask FILE writes valid JSON')
    check(first_char(out) == first_char(body), 'same top-level type')
    check(b'[REDACTED_' in out, 'planted PII is replaced by labels')
    check(err == b'', 'nothing on stderr on success')

    rc2, out2, _ = run([maskd, 'mask', '-'], body)
    check(rc2 == 0 and out2 == out, 'stdin gives the same bytes as FILE')

    clean_path = os.path.join(corpus, 'langfuse', '00_langfuse_unit_test_request.json')
    with open(clean_path, 'rb') as f:
        clean = f.read()
    rc, out, _ = run([maskd, 'mask', '-'], clean)
    check(rc == 0 and out == clean, 'nothing to mask: output is the input, byte for byte')

    rc, out, err = run([maskd, 'mask', '-'], b'{"a":tru}')
    check(rc == 2, f'invalid JSON exits 2 (got {rc})')
    check(out == b'', 'invalid JSON: stdout empty')
    check(err == b'error: invalid_json at byte 5\n', f'invalid JSON: stderr {err!r}')

    rc, out, err = run([maskd, 'mask', '-'], b'["\xC0\xAF"]')
    check(rc == 2 and out == b'', 'invalid UTF-8 exits 2 with empty stdout')
    check(err == b'error: invalid_utf8 at byte 2\n', f'invalid UTF-8: stderr {err!r}')

    rc, out, err = run([maskd, 'mask', '-'], b'')
    check(rc == 2 and out == b'' and err == b'error: invalid_json at byte 0\n',
          f'empty input exits 2 (got {rc}, {err!r})')

    with tempfile.TemporaryDirectory() as tmp:
        missing = os.path.join(tmp, 'missing.json')
        rc, out, err = run([maskd, 'mask', missing])
        check(rc == 1 and out == b'' and err.startswith(b'error: cannot open'),
              f'missing file exits 1 (got {rc}, {err!r})')

    rc, out, err = run([maskd, 'mask', '-'], b'{"msg":"mail jane@example.com now"}')
    check(rc == 0 and out == b'{"msg":"mail [REDACTED_EMAIL] now"}', f'small body: {out!r}')

    rc, out, _ = run([maskd, 'rules'])
    check(rc == 0 and b'email' in out and b'EMAIL' in out, 'rules lists the email rule')

    rc, out, _ = run([maskd, 'mask', '--help'])
    check(rc == 0 and b'usage' in out, 'mask --help exits 0 with usage')


def score(maskd, corpus):
    cmd = shlex.quote(maskd) + ' mask -'
    r = subprocess.run([sys.executable, os.path.join(corpus, 'score.py'), '--cmd', cmd,
                        '--set', os.path.join(corpus, 'public'), '--json'],
                       capture_output=True, timeout=280)
    check(r.returncode == 0, f'score.py exits 0 (got {r.returncode}, stderr {r.stderr[-300:]!r})')
    try:
        s = json.loads(r.stdout)
    except ValueError:
        check(False, f'score.py printed JSON: {r.stdout[:300]!r}')
        return
    n = s['payloads']
    check(n >= 30, f'scored {n} payloads')
    check(s['pass'], 'structural gates (HTTP+JSON, schema, nested JSON) on every payload')
    check(s['idempotent'] == s['idempotence_tried'],
          f"idempotent {s['idempotent']}/{s['idempotence_tried']}")
    check(s['nested_broken'] == 0, f"nested JSON strings broken: {s['nested_broken']}")
    for t, v in sorted(s['recall_by_type'].items()):
        check(v['rate'] is not None and v['rate'] >= 0.99,
              f"recall {t}: {v['rate']} ({v['ok']}/{v['n']}) >= 0.99")
    check(s['decoy_survival'] is not None and s['decoy_survival'] >= 0.995,
          f"decoy survival {s['decoy_survival']} >= 0.995")
    for f in s.get('failures', [])[:5]:
        print('  failing payload:', f)


def main():
    args = sys.argv[1:]
    do_score = args[:1] == ['--score']
    if do_score:
        args = args[1:]
    if len(args) != 2:
        sys.exit(__doc__)
    maskd, corpus = args
    if do_score:
        score(maskd, corpus)
    else:
        contract(maskd, corpus)
    if FAILURES:
        print(f'{len(FAILURES)} check(s) failed:', *FAILURES, sep='\n  ', file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
