"""A loopback stand-in for the Anthropic Messages API, so the real Claude Code CLI runs without a model.

Every POST to /v1/messages is recorded (its JSON body, in order) and answered with the assistant
content that `respond(body)` returns: a list of content blocks, text or tool_use (an exception in
`respond` is kept in `errors` and answered with a text that ends the conversation). The answer is
streamed as server-sent events when the request asks for a stream, as Claude Code does, and sent as
one JSON message otherwise.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def text(words: str) -> dict:
    return {"type": "text", "text": words}


def tool_use(tool_id: str, name: str, tool_input: dict) -> dict:
    return {"type": "tool_use", "id": tool_id, "name": name, "input": tool_input}


class MessagesStub:
    def __init__(self, respond):
        self.respond = respond
        self.requests: list[dict] = []
        self.errors: list[Exception] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self):
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                if not self.path.startswith("/v1/messages"):
                    self.send_error(404)
                    return
                stub.requests.append(body)
                try:
                    blocks = stub.respond(body)
                except Exception as error:  # a broken script ends the conversation; the test sees why
                    stub.errors.append(error)
                    blocks = [text(f"stub error: {error!r}")]
                stop = "tool_use" if any(block["type"] == "tool_use" for block in blocks) else "end_turn"
                message = {"id": f"msg_{len(stub.requests)}", "type": "message", "role": "assistant",
                           "model": body.get("model", "stub"), "content": blocks, "stop_reason": stop,
                           "stop_sequence": None, "usage": {"input_tokens": 1, "output_tokens": 1}}
                if body.get("stream"):
                    self._stream(message)
                else:
                    self._send(200, "application/json", json.dumps(message).encode())

            def _stream(self, message):
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                self._event("message_start", {"message": message | {"content": [], "stop_reason": None}})
                for index, block in enumerate(message["content"]):
                    if block["type"] == "text":
                        start, delta = block | {"text": ""}, {"type": "text_delta", "text": block["text"]}
                    else:
                        start, delta = block | {"input": {}}, {"type": "input_json_delta",
                                                               "partial_json": json.dumps(block["input"])}
                    self._event("content_block_start", {"index": index, "content_block": start})
                    self._event("content_block_delta", {"index": index, "delta": delta})
                    self._event("content_block_stop", {"index": index})
                self._event("message_delta", {"delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                                              "usage": {"output_tokens": 1}})
                self._event("message_stop", {})

            def _event(self, name, data):
                self.wfile.write(f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n".encode())
                self.wfile.flush()

            def _send(self, status, content_type, data):
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler
