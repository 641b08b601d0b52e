#!/usr/bin/env python3
"""Hostile MQTT traffic for a while: huge announced lengths, garbage, half-finished CONNECTs that never end, empty
connections. Prints the target process's RSS every second. Usage: hostile.py HOST PORT PID SECONDS CONNECTIONS_PER_SECOND"""
import os, random, socket, sys, threading, time

host, port, pid, seconds, rate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
rng = random.Random(7)
slow = []

def rss_mb():
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024

def one(kind):
    try:
        s = socket.create_connection((host, port), timeout=2)
        if kind == "huge":
            s.sendall(bytes([0x10, 0xFF, 0xFF, 0xFF, 0x7F]) + os.urandom(1024))
        elif kind == "garbage":
            s.sendall(os.urandom(rng.randint(1, 2048)))
        elif kind == "slow":
            s.sendall(bytes([0x10, 0x7F, 0x00, 0x04]))  # a CONNECT that never finishes
            slow.append(s)
            return
        if kind != "empty":
            s.shutdown(socket.SHUT_WR)
        s.close()
    except OSError:
        pass

start, sent, next_report = time.time(), 0, 0
print(f"t_s rss_mb connections")
while time.time() - start < seconds:
    kind = rng.choice(["huge", "huge", "garbage", "slow", "empty"])
    threading.Thread(target=one, args=(kind,), daemon=True).start()
    sent += 1
    if time.time() - start >= next_report:
        print(f"{next_report} {rss_mb():.0f} {sent}", flush=True)
        next_report += 1
    time.sleep(1 / rate)
print(f"{int(time.time() - start)} {rss_mb():.0f} {sent}", flush=True)
