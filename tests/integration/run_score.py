#!/usr/bin/env python3
"""Starts `maskd serve` on 127.0.0.1:0, runs the corpus scorer against it,
stops it with SIGTERM. Exit 0 only if the scorer and the shutdown both pass.

    run_score.py MASKD_BIN SCORE_PY SET_DIR
"""
import json, re, signal, subprocess, sys, threading

maskd, score_py, set_dir = sys.argv[1:4]
proc = subprocess.Popen([maskd, 'serve', '--listen', '127.0.0.1:0', '--shards', '2'],
                        stderr=subprocess.PIPE, text=True)
address = None
for line in proc.stderr:
    m = re.search(r'"event":"listening","address":"([^"]+)"', line)
    if m:
        address = m.group(1)
        break
if address is None:
    sys.exit('maskd did not report a listening address')
# Keep draining stderr so the server never blocks on a full pipe.
threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
try:
    rc = subprocess.call([sys.executable, score_py, '--url', f'http://{address}/mask',
                          '--set', set_dir], timeout=300)
finally:
    proc.send_signal(signal.SIGTERM)
    exit_code = proc.wait(timeout=15)
print(f'scorer exit {rc}, maskd exit {exit_code}')
sys.exit(0 if rc == 0 and exit_code == 0 else 1)
