#!/usr/bin/env python3
# Minimal pcap writer on an AF_PACKET socket: every frame of one interface until SIGTERM.
import signal, socket, struct, sys, time
iface, path = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind((iface, 0))
s.settimeout(0.2)
out = open(path, 'wb')
out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
running = True
def stop(*_):
    global running
    running = False
signal.signal(signal.SIGTERM, stop)
open(path + '.ready', 'w').close()
while running:
    try:
        frame = s.recv(65535)
    except socket.timeout:
        continue
    t = time.time()
    out.write(struct.pack('<IIII', int(t), int((t % 1) * 1e6), len(frame), len(frame)) + frame)
    out.flush()
out.close()
