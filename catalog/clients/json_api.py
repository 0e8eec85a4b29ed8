"""JSON services on the shared HTTP layer, with the service's own reason when it says no.

Audnexus and Hardcover explain a refusal in a JSON body (Audnexus: a 404 "not available in
region 'us'" differs from a 404 "delisted"; Hardcover: a 401 bad token differs from a 403
query over the limit). call() turns a 4xx into NotFound or BadResponse before the body is
seen, so the response is kept through a requests hook and its body handed to the client's
`explain(error, body)`, which returns the error that says what happened.
"""

from urllib.parse import urlsplit

from catalog.clients.http import BadResponse, NotFound, call
from catalog.clients.records import parse_json


def request_json(service, session, method, url, explain=None, **kwargs):
    """The answer's JSON, scrubbed of control characters; on a 4xx, explain's error."""
    answers = []
    kwargs["hooks"] = {"response": lambda response, *args, **kw: answers.append(response)}
    try:
        response = call(service, session, method, url, **kwargs)
    except (NotFound, BadResponse) as error:
        body = decoded(answers[-1]) if answers else None
        better = explain(error, body) if explain else None
        raise (better or error) from None
    data = decoded(response)
    if data is None:
        path = urlsplit(url).path
        raise BadResponse(service, f"{path} answered with something that is not JSON")
    return data


def request_object(service, session, method, url, explain=None, **kwargs):
    """request_json for an answer that must be a JSON object."""
    data = request_json(service, session, method, url, explain, **kwargs)
    if not isinstance(data, dict):
        path = urlsplit(url).path
        raise BadResponse(service, f"{path} answered with JSON that is not an object")
    return data


def decoded(response):
    try:
        return parse_json(response.content)
    except ValueError:
        return None


def error_text(body, *keys):
    """The first of `keys` found in a JSON error body (nested dicts by dotted key), short."""
    for key in keys:
        value = body
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value:
            return str(value)[:200]
    return ""
