"""Takes job ids from the Redis queue and marks them done."""
import os
import time

import redis

rd = redis.Redis(host=os.environ.get("REDIS_HOST", "localhost"), port=6379, db=0)

while True:
    _, jid = rd.blpop("queue")
    key = f"job:{jid.decode()}"
    rd.hset(key, "status", "in progress")
    time.sleep(1)
    rd.hset(key, "status", "complete")
