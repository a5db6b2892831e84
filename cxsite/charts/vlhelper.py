"""The chart engine's helper process: runs vl-convert calls read from stdin until stdin closes.

Started by cxsite.charts.engine as `python vlhelper.py` (never imported by cxsite itself, so
it needs only the standard library and vl_convert). Messages both ways are a 4-byte length and
UTF-8 JSON. The engine's log (V8 writes errors to stderr) is collected per call by pointing this
process's own stderr at a temporary file, and returned with the reply.
"""
import json
import os
import signal
import struct
import sys
import tempfile


def _read(stream):
    head = stream.read(4)
    if len(head) < 4:
        return None
    (size,) = struct.unpack(">I", head)
    return json.loads(stream.read(size).decode("utf-8"))


def _write(stream, message):
    data = json.dumps(message, ensure_ascii=False).encode("utf-8")
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


def main():
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but replies may reach the pipe
    try:
        import vl_convert
    except ImportError as exc:
        vl_convert = None
        missing = str(exc)
    while True:
        request = _read(inp)
        if request is None:
            return
        if vl_convert is None:
            _write(out, {"ok": False, "error": f"vl-convert is not installed: {missing}", "log": []})
            continue
        with tempfile.TemporaryFile() as log:
            saved = os.dup(2)
            os.dup2(log.fileno(), 2)
            try:
                value = getattr(vl_convert, request["call"])(**request["kwargs"])
                reply = {"ok": True, "value": value}
            except Exception as exc:  # reported to the parent with the log
                reply = {"ok": False, "error": str(exc)}
            finally:
                os.dup2(saved, 2)
                os.close(saved)
            log.seek(0)
            reply["log"] = log.read().decode("utf-8", "replace").splitlines()
        _write(out, reply)


if __name__ == "__main__":
    main()
