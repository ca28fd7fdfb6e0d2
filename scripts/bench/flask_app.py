"""A re-creation of the app Chatdrop replaces (see shared/seed): Flask +
Flask-SocketIO + eventlet, rooms joined by name, messages broadcast to the
room, files sent as one base64 message. Used only as the benchmark's
baseline, run by scripts/bench.sh."""
import base64
import os
import sys

import eventlet

eventlet.monkey_patch()

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, emit, join_room, leave_room  # noqa: E402

app = Flask(__name__)
app.config["SECRET_KEY"] = "bench"
socketio = SocketIO(app, async_mode="eventlet", max_http_buffer_size=2**31)
UPLOADS = os.environ.get("UPLOADS", "/tmp/flask-uploads")
os.makedirs(UPLOADS, exist_ok=True)


@socketio.on("join")
def on_join(data):
    join_room(data["room"])
    emit("status", {"msg": f"{data['username']} has entered the room."}, to=data["room"])


@socketio.on("leave")
def on_leave(data):
    leave_room(data["room"])
    emit("status", {"msg": f"{data['username']} has left the room."}, to=data["room"])


@socketio.on("message")
def on_message(data):
    emit("message", {"msg": data["msg"], "username": data.get("username", "")}, to=data["room"])


@socketio.on("file")
def on_file(data):
    # The original decodes the whole base64 payload in memory and writes it.
    name = os.path.basename(data["name"])
    with open(os.path.join(UPLOADS, name), "wb") as f:
        f.write(base64.b64decode(data["data"]))
    emit("file", {"url": f"/uploads/{name}"}, to=data["room"])


if __name__ == "__main__":
    socketio.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_output=False)
