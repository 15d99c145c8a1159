"""``/v3/hooks``: created, listed, filtered, changed and deleted as documented; bodies validate."""

from __future__ import annotations

import pytest

from tests.simulator.openapi import errors_of, require_spec_dir, response_validator, validator
from tests.simulator.support import SPECS, StoreApi

WEBHOOKS = "webhooks.v3.yml"


@pytest.fixture(autouse=True)
def spec_files() -> None:
    require_spec_dir()


def send(api: StoreApi, method: str, path: str, json: object = None, store: str = "alpha1"):
    url = f"{api.base_url}/stores/{store}/v3{path}"
    return api.session.request(method, url, json=json, headers={"X-Auth-Token": SPECS[store].token})


def test_create_list_get_update_delete(api: StoreApi):
    body = {
        "scope": "store/product/updated",
        "destination": "https://example.com/bc",
        "headers": {"X-S": "1"},
    }
    created = send(api, "POST", "/hooks", body)
    hook = created.json()["data"]
    listed = api.json("alpha1", "/v3/hooks")
    single = api.json("alpha1", f"/v3/hooks/{hook['id']}")
    updated = send(api, "PUT", f"/hooks/{hook['id']}", {"is_active": False}).json()["data"]
    deleted = send(api, "DELETE", f"/hooks/{hook['id']}")

    assert created.status_code == 200 and hook["is_active"] is True and hook["headers"] == {"X-S": "1"}
    assert hook["store_hash"] == "alpha1" and hook["scope"] == body["scope"]
    create_schema = "#/paths/~1hooks/post/responses/200/content/application~1json/schema"
    assert errors_of(validator(WEBHOOKS, create_schema), created.json()) == []
    assert listed["data"] == [hook] and single["data"] == hook
    assert errors_of(response_validator(WEBHOOKS, "/hooks"), listed) == []
    assert errors_of(response_validator(WEBHOOKS, "/hooks/{webhook_id}"), single) == []
    assert updated["is_active"] is False and updated["updated_at"] >= hook["updated_at"]
    assert deleted.status_code == 200 and api.get("alpha1", f"/v3/hooks/{hook['id']}").status_code == 404
    assert api.json("alpha1", "/v3/hooks")["data"] == []


def test_hooks_belong_to_their_store(api: StoreApi):
    send(api, "POST", "/hooks", {"scope": "store/category/created", "destination": "https://x.example.com/"})

    assert len(api.json("alpha1", "/v3/hooks")["data"]) == 1
    assert api.json("beta1", "/v3/hooks")["data"] == []


@pytest.mark.parametrize(
    ("body", "bad"),
    [
        ({"destination": "https://example.com/"}, "scope"),
        ({"scope": "store/product/updated", "destination": "http://example.com/"}, "destination"),
        ({"scope": "store/product/updated", "destination": "https://example.com:8443/"}, "destination"),
        ({"scope": "product", "destination": "https://example.com/"}, "scope"),
        (
            {"scope": "store/product/updated", "destination": "https://e.com/", "is_active": "yes"},
            "is_active",
        ),
    ],
)
def test_invalid_hooks_are_422_naming_the_field(api: StoreApi, body: dict, bad: str):
    response = send(api, "POST", "/hooks", body)

    assert response.status_code == 422 and set(response.json()["errors"]) == {bad}
    assert api.json("alpha1", "/v3/hooks")["data"] == []


def test_admin_lists_hooks_with_status_and_filters_by_is_active(api: StoreApi):
    send(api, "POST", "/hooks", {"scope": "store/product/updated", "destination": "https://a.example.com/"})
    send(
        api,
        "POST",
        "/hooks",
        {"scope": "store/product/deleted", "destination": "https://a.example.com/", "is_active": False},
    )
    admin = api.json("alpha1", "/v3/hooks/admin")
    inactive = api.json("alpha1", "/v3/hooks/admin", {"is_active": "false"})

    assert [h["status"] for h in admin["data"]["hooks_list"]] == ["active", "inactive"]
    assert [h["scope"] for h in inactive["data"]["hooks_list"]] == ["store/product/deleted"]
    assert errors_of(response_validator(WEBHOOKS, "/hooks/admin"), admin) == []


def test_other_methods_on_read_only_paths_are_405(api: StoreApi):
    assert send(api, "POST", "/catalog/brands", {}).status_code == 405
    assert send(api, "DELETE", "/hooks/admin").status_code == 405
