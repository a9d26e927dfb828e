"""A tiny Flask API that queues jobs in Redis for the worker."""
import json
import os
import uuid

import redis
from flask import Flask, jsonify, request

app = Flask(__name__)
rd = redis.Redis(host=os.environ.get("REDIS_HOST", "localhost"), port=6379, db=0)


@app.route("/jobs", methods=["POST"])
def submit():
    jid = str(uuid.uuid4())
    rd.hset(f"job:{jid}", mapping={"status": "queued", "args": json.dumps(request.get_json() or {})})
    rd.rpush("queue", jid)
    return jsonify({"id": jid, "status": "queued"}), 201


@app.route("/jobs/<jid>", methods=["GET"])
def status(jid):
    job = rd.hgetall(f"job:{jid}")
    if not job:
        return jsonify({"error": "no such job"}), 404
    return jsonify({k.decode(): v.decode() for k, v in job.items()})


if __name__ == "__main__":
    app.run(debug=False, host="0.0.0.0", port=5000)
