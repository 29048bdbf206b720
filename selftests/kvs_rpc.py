#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""kvs_rpc.py SOCKET [--uid UID [--gid GID] [--groups G,...]] [--raw] [--half] [REQUEST]...

Send each REQUEST (a JSON text, or with --raw the bytes as given, Python
escapes allowed) on one connection to kvsd's RPC socket, one line each, and
print each answer line. --half sends the first request without its newline
and closes: a client going away mid-request. --uid drops to UID first, with
the primary group GID (default UID) and the supplementary GROUPS (default
none): the process's groups, whatever the user database says.
Exit status 0 if every answer came and had "ok": true, 1 if one had not,
2 if the connection failed or an answer is missing."""
import json
import os
import socket
import sys


def main():
    args = sys.argv[1:]
    raw = half = False
    uid = None
    gid = None
    groups = []
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    path = args.pop(0)
    while args and args[0].startswith('--'):
        opt = args.pop(0)
        if opt == '--raw':
            raw = True
        elif opt == '--half':
            half = True
        elif opt == '--uid':
            uid = int(args.pop(0))
        elif opt == '--gid':
            gid = int(args.pop(0))
        elif opt == '--groups':
            groups = [int(g) for g in args.pop(0).split(',') if g]
    if uid is not None:
        os.setgroups(groups)
        os.setgid(uid if gid is None else gid)
        os.setuid(uid)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(path)
    except OSError as e:
        print(f'connect {path}: {e}', file=sys.stderr)
        return 2
    if half:
        s.sendall(args[0].encode())
        s.close()
        return 0
    f = s.makefile('rb')
    status = 0
    for req in args:
        data = req.encode().decode('unicode_escape').encode('latin-1') if raw else req.encode()
        try:
            s.sendall(data + b'\n')
            line = f.readline()
        except OSError as e:
            print(f'request failed: {e}', file=sys.stderr)
            return 2
        if not line:
            print('no answer (connection closed)', file=sys.stderr)
            return 2
        sys.stdout.write(line.decode(errors='replace'))
        try:
            if json.loads(line).get('ok') is not True:
                status = 1
        except ValueError:
            status = 1
    return status


sys.exit(main())
