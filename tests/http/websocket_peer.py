"""The real peer of the WebSocket tests: Debian's python3-websockets (10.x, asyncio API).

  websocket_peer.py client URL        talks to the test's server at URL, then closes (4001)
  websocket_peer.py listen-close URL  prints what the test's server sends until it closes
  websocket_peer.py server            serves on 127.0.0.1, a port the kernel picks

Each prints what it saw, one line at a time, for the test to check. The server prints
"listening on 127.0.0.1:PORT" first, then "closed CODE REASON" as each connection ends; it
echoes messages, but answers "fragments please" with a message in three frames, "too big
please" with 2000 bytes, and "ping me" with "ponged" once its ping is answered.
"""
import asyncio
import sys

import websockets


def say(*words):
    print(*words, flush=True)


async def client(url):
    async with websockets.connect(url, subprotocols=["chat"], max_size=1 << 24) as ws:
        say("subprotocol", ws.subprotocol)
        say("extensions", len(ws.extensions))  # permessage-deflate offered, declined
        for message in ["hello", "grüße 🙂", "", bytes(range(256)) * 4, b"x" * (1 << 20)]:
            await ws.send(message)
            echo = await ws.recv()
            say("echo", type(message).__name__, len(message), "ok" if echo == message else "WRONG")
        await ws.send(["frag", "mented"])  # one message, two frames
        say("fragments", await ws.recv())
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, 10)
        say("pong")
        await ws.close(4001, "py done")
    say("closed", ws.close_code, ws.close_reason)


async def listen_close(url):
    async with websockets.connect(url) as ws:
        try:
            async for message in ws:
                say("message", message)
        except websockets.ConnectionClosed:
            pass
    say("closed", ws.close_code, ws.close_reason)


async def serve():
    async def handler(ws):
        try:
            async for message in ws:
                if message == "fragments please":
                    await ws.send(["one ", "two ", "three"])
                elif message == "too big please":
                    await ws.send(b"z" * 2000)
                elif message == "ping me":
                    await asyncio.wait_for(await ws.ping(b"from python"), 10)
                    await ws.send("ponged")
                else:
                    await ws.send(message)
        except websockets.ConnectionClosed:
            pass
        say("closed", ws.close_code, ws.close_reason)

    async with websockets.serve(handler, "127.0.0.1", 0, subprotocols=["chat"],
                                max_size=1 << 24) as server:
        say("listening on 127.0.0.1:%d" % server.sockets[0].getsockname()[1])
        await asyncio.Future()  # until the test kills it


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "client":
        asyncio.run(client(sys.argv[2]))
    elif mode == "listen-close":
        asyncio.run(listen_close(sys.argv[2]))
    else:
        asyncio.run(serve())
