"""What every fake service of the bench is: a router from a request to an Answer."""

import json

JSON = "application/json"


class Answer:
    def __init__(self, body, content_type=JSON, status=200, headers=()):
        if not isinstance(body, str | bytes):
            body = json.dumps(body)
        self.body = body.encode() if isinstance(body, str) else body
        self.content_type = content_type
        self.status = status
        self.headers = list(headers)


class Service:
    """One faked service: routes a request to an Answer."""

    name = ""

    def answer(self, method, path, query, body):
        raise NotImplementedError
