"""Print where the running ReplyDesk can be reached, from `flask demo`'s JSON on stdin."""

import json
import os
import sys

demo = json.load(sys.stdin)
url = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
print(
    f"""
ReplyDesk is starting (web, worker and clock; Ctrl-C stops all three).
  Web app:          {url}/
  Demo login:       {demo["login"]["email"]} / {demo["login"]["password"]}
  Phone simulator:  {url}/simulator
  API description:  {url}/api/v1/openapi.json
  Demo API key:     {demo["api_key"]}
"""
)
