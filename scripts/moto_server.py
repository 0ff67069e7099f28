#!/usr/bin/env python3
"""Start, reset and stop a moto CloudWatch Logs emulator on 127.0.0.1 for the tests.

  scripts/moto_server.py start [--python PY]   starts `moto_server` on a free loopback port,
                                               waits until it answers, prints `PORT PID`
  scripts/moto_server.py reset PORT            POST /moto-api/reset (empties every log group)
  scripts/moto_server.py stop PID              stops the server

The moto package (pinned in .ci/run: moto[server]==5.2.5) must be importable by PY (default:
.venv-moto/bin/python if it exists, else python3).
"""
import os, signal, socket, subprocess, sys, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def python():
    venv = os.path.join(ROOT, ".venv-moto", "bin", "python")
    return venv if os.path.exists(venv) else sys.executable

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port

def start(py):
    port = free_port()
    log = open(os.path.join(os.environ.get("TMPDIR", "/tmp"), f"moto-{port}.log"), "w")
    proc = subprocess.Popen([py, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"moto_server exited with {proc.returncode}; see {log.name}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1).read()
            print(port, proc.pid, flush=True)
            return
        except Exception:
            time.sleep(0.1)
    proc.kill()
    sys.exit("moto_server did not answer within 60 s")

def reset(port):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/moto-api/reset", method="POST", data=b"")
    urllib.request.urlopen(req, timeout=10).read()

def stop(pid):
    try:
        os.killpg(int(pid), signal.SIGTERM)
    except ProcessLookupError:
        pass

if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd = sys.argv[1]
    if cmd == "start":
        py = sys.argv[sys.argv.index("--python") + 1] if "--python" in sys.argv else python()
        start(py)
    elif cmd == "reset":
        reset(sys.argv[2])
    elif cmd == "stop":
        stop(sys.argv[2])
    else:
        sys.exit(__doc__)
