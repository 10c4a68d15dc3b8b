#!/usr/bin/python3
"""MLLP peer for recording Vigil's HL7 fixtures (scripts/record-hl7-fixtures.sh).

serve HOST PORT COUNT: accept COUNT connections; for every MLLP frame (or bare message) received, reply with
    the ACK python-hl7 builds for its first MSH (Message.create_ack, HL7 v2.5.1 §2.9.2), framed in MLLP.
send HOST PORT FILE [--bare]: send FILE's bytes as one MLLP frame (or bare, then half-close) and wait for
    one reply; for batches, which mllp_send cannot send as one frame.

python3-hl7 (Debian) ships a client (mllp_send) but no server, hence this script.
"""
import socket
import sys

import hl7

SB, EB, CR = b"\x0b", b"\x1c", b"\x0d"


def ack_for(payload: bytes) -> bytes:
    text = payload.decode("utf-8", "replace")
    start = text.find("MSH")
    if start < 0:
        return b""
    # The first message of a batch: python-hl7 parses one message at a time.
    rest = text[start:]
    nxt = rest.find("\rMSH", 1)
    first = rest if nxt < 0 else rest[: nxt + 1]
    message = hl7.parse(first.replace("\r\n", "\r").replace("\n", "\r").strip("\r"))
    ack = message.create_ack("AA", message_id="ACK" + str(message.segment("MSH")(10)))
    return SB + str(ack).encode("utf-8") + CR + EB + CR


def serve(host: str, port: int, count: int) -> None:
    with socket.create_server((host, port), reuse_port=False) as server:
        for _ in range(count):
            conn, _ = server.accept()
            with conn:
                buffered = b""
                while True:
                    data = conn.recv(65536)
                    if not data:
                        if buffered.strip():
                            # Bare HL7: the whole stream up to the half-close is one batch.
                            conn.sendall(ack_for(buffered))
                        break
                    buffered += data
                    while SB in buffered and EB in buffered[buffered.index(SB):]:
                        start = buffered.index(SB)
                        end = buffered.index(EB, start)
                        conn.sendall(ack_for(buffered[start + 1 : end]))
                        buffered = buffered[end + 2 :]


def send(host: str, port: int, path: str, bare: bool) -> None:
    with open(path, "rb") as f:
        body = f.read().replace(b"\r\n", b"\r").replace(b"\n", b"\r")
    with socket.create_connection((host, port)) as conn:
        if bare:
            conn.sendall(body)
            conn.shutdown(socket.SHUT_WR)
        else:
            conn.sendall(SB + body + EB + CR)
        reply = b""
        while EB not in reply:
            data = conn.recv(65536)
            if not data:
                break
            reply += data


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        send(sys.argv[2], int(sys.argv[3]), sys.argv[4], "--bare" in sys.argv)
