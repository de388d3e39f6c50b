"""Runs python-scim's scim2-tester against a live scim-bridge and fails on any
check that is not a success, except those listed in KNOWN with the RFC section
that says why the checker is wrong. Usage: scim_tester.py <scim base url> <token>"""

import sys

import httpx2 as httpx
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

# (check title, resource type, text in its reason) -> why the checker is wrong, with the
# RFC section. Matching on the reason keeps any other failure of the same check red.
KNOWN: list[tuple[str, str, str, str]] = [
    ("object_query_with_attributes", "User", "Input should be a valid dictionary or instance of Meta",
     "with attributes=id,... the server rightly omits meta (RFC 7643 §3.1: every meta sub-attribute is "
     "returned 'default'; RFC 7644 §3.9: attributes overrides the default set); the client then fails "
     "to build meta from the ETag header alone"),
    ("object_query_with_attributes", "Group", "Input should be a valid dictionary or instance of Meta",
     "same as for User: meta is omitted under attributes= as RFC 7644 §3.9 requires"),
    ("search_with_attributes", "User", "searching several resource types at once is not supported",
     "POST /.search at the root is optional (RFC 7644 §3.4.3: 'MAY'); we answer 501 as §3.12 allows, "
     "and the checker itself marks it SKIPPED; /Users/.search is supported"),
    ("search_with_attributes", "Group", "searching several resource types at once is not supported",
     "as for User: root search is optional (RFC 7644 §3.4.3); /Groups/.search is supported"),
    ("check_remove_attribute", "User", "did not remove attribute 'active'",
     "removing 'active' restores the service provider's default, true (RFC 7643 §4.1.1: the meaning of "
     "active is determined by the service provider; RFC 7644 §3.5.2.2 lets the server assign defaults); "
     "an IdP deactivates with active=false, never by removing it"),
    ("check_add_attribute", "Group", "Attribute 'members' was not added",
     "members.display is read-only and filled by the server from the member (RFC 7643 §4.2 'display ... "
     "READ-ONLY'); the checker compares it with the null it sent"),
    ("check_replace_attribute", "Group", "Attribute 'members' was not replaced",
     "as above: the server fills the read-only members.display (RFC 7643 §4.2)"),
]


def known(result) -> str | None:
    for title, rtype, reason, why in KNOWN:
        if result.title == title and getattr(result, "resource_type", None) == rtype and reason in str(result.reason):
            return why
    return None


def main(url: str, token: str) -> int:
    http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    client = SyncSCIMClient(http)
    client.check_response_status_codes = True
    client.check_response_content_type = True
    results = check_server(client)
    failed = 0
    for r in results:
        ok = r.status == Status.SUCCESS
        why = None if ok else known(r)
        label = "PASS" if ok else ("KNOWN" if why else "FAIL")
        suffix = f" [{r.resource_type}]" if getattr(r, "resource_type", None) else ""
        print(f"{label:5} {r.status.name:10} {r.title}{suffix}")
        if not ok:
            print(f"      {r.reason}")
            if why:
                print(f"      why the checker is wrong: {why}")
            else:
                failed += 1
    passed = sum(1 for r in results if r.status == Status.SUCCESS)
    print(f"scim2-tester: {passed} passed, {failed} failed, {len(results) - passed - failed} known")
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
