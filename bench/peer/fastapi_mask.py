"""The peer maskd is compared against: the callback service users start from.

This is the example masking callback from Langfuse's self-hosting documentation
("Data Masking", server-side ingestion masking, "Example Implementation"), kept
to the same behaviour so that load numbers compare maskd with what an operator
would actually deploy first:

- POST /mask parses the JSON body, walks it recursively and, in every string
  value (never in keys), applies three regular expressions in this order:
  email -> [REDACTED_EMAIL], phone -> [REDACTED_PHONE], card -> [REDACTED_CC];
- the result is returned as a Python object, so FastAPI serialises it (through
  jsonable_encoder and JSONResponse) exactly as in the documented example.

The one deliberate difference: the patterns are compiled once at import instead
of being looked up in re's cache on every call. That can only make the peer
faster, so the comparison does not flatter maskd.

Known behaviour of this peer (not fixed on purpose, it is the baseline):
key order is kept but number spelling and whitespace are not (1.0 may come
back as 1.0, 1e-7 as 1e-07); a lone surrogate escape such as "\\ud83d" makes
the UTF-8 encoding of the answer fail, so the request gets a 500.

Run with Debian's packages (python3-fastapi 0.92, python3-uvicorn), which are
installed for /usr/bin/python3 only:

    /usr/bin/python3 -m uvicorn --app-dir bench/peer fastapi_mask:app \
        --host 127.0.0.1 --port 8090 --log-level warning
"""

import re
from typing import Any, Optional

from fastapi import FastAPI, Header, Request

# The documented patterns, verbatim, in the documented order.
EMAIL_RE = re.compile(r"\b[\w.-]+?@\w+?\.\w+?\b")
PHONE_RE = re.compile(r"\b\d{3}[-.]?\d{3}[-.]?\d{4}\b")
CARD_RE = re.compile(r"\b\d{4}[-\s]?\d{4}[-\s]?\d{4}[-\s]?\d{4}\b")

app = FastAPI()


def mask_string(text: str) -> str:
    text = EMAIL_RE.sub("[REDACTED_EMAIL]", text)
    text = PHONE_RE.sub("[REDACTED_PHONE]", text)
    return CARD_RE.sub("[REDACTED_CC]", text)


def mask_pii(data: Any) -> Any:
    """Masks every string value of a decoded JSON document; keys are kept."""
    if isinstance(data, str):
        return mask_string(data)
    if isinstance(data, dict):
        return {key: mask_pii(value) for key, value in data.items()}
    if isinstance(data, list):
        return [mask_pii(item) for item in data]
    return data


@app.post("/mask")
async def mask_trace(
    request: Request,
    x_langfuse_org_id: Optional[str] = Header(None),
    x_langfuse_project_id: Optional[str] = Header(None),
):
    # The documented example reads both ids to choose per-project rules; it
    # applies one rule set to everyone, and so does this peer.
    del x_langfuse_org_id, x_langfuse_project_id
    body = await request.json()
    return mask_pii(body)


@app.get("/healthz")
async def healthz():
    # Not in the documented example; the load runner uses it for readiness.
    return {"status": "ok"}
