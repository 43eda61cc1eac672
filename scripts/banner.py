"""Print where the running ReplyDesk can be reached, from `flask demo`'s JSON on stdin."""

import json
import os
import sys

demo = json.load(sys.stdin)
url = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
waiting = demo["inbox"]
print(
    f"""
ReplyDesk is starting (web, worker and clock; Ctrl-C stops everything make run started).
  Web app:          {url}/
  Demo login:       {demo["login"]["email"]} / {demo["login"]["password"]} (owner)
  Staff login:      {demo["staff_login"]["email"]} / {demo["staff_login"]["password"]}
  Inbox:            {url}/inbox ({waiting["open"]} open, {waiting["pending"]} pending)
  Phone simulator:  {url}/simulator
  API description:  {url}/api/v1/openapi.json
  Demo API key:     {demo["api_key"]}
""",
    flush=True,
)
