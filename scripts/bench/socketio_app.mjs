// The peer a Node developer would pick instead of Chatdrop: Socket.IO 4
// with the same events as flask_app.py (rooms joined by name, messages
// broadcast to the room, files as one base64 message), nothing stored.
// Driven by the same load generator (`--target flask`: the same
// Socket.IO protocol). Used only by scripts/bench.sh.
import { createServer } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Server } from 'socket.io';

const port = Number(process.argv[2] ?? 5103);
const uploads = process.env.UPLOADS ?? '/tmp/socketio-uploads';
mkdirSync(uploads, { recursive: true });

const http = createServer();
const io = new Server(http, { maxHttpBufferSize: 2 ** 31, serveClient: false });

io.on('connection', (socket) => {
  socket.on('join', ({ room, username }) => {
    socket.join(room);
    io.to(room).emit('status', { msg: `${username} has entered the room.` });
  });
  socket.on('leave', ({ room, username }) => {
    socket.leave(room);
    io.to(room).emit('status', { msg: `${username} has left the room.` });
  });
  socket.on('message', ({ room, msg, username = '' }) => {
    io.to(room).emit('message', { msg, username });
  });
  socket.on('file', ({ room, name, data }) => {
    const base = path.basename(name);
    writeFileSync(path.join(uploads, base), Buffer.from(data, 'base64'));
    io.to(room).emit('file', { url: `/uploads/${base}` });
  });
});

http.listen(port, '127.0.0.1');
