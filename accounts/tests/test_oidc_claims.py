from accounts.oidc import looks_like_jwt, roles_from_claims
from accounts.roles import Role

CLIENT = "pichosting"


def test_realm_and_client_roles_are_read_and_merged_across_tokens():
    id_token = {"realm_access": {"roles": ["appviewer", "offline_access"]}}
    access_token = {"resource_access": {CLIENT: {"roles": ["appadmin"]}, "account": {"roles": ["appuser"]}}}
    assert roles_from_claims([id_token, {}, access_token], client_id=CLIENT) == {Role.VIEWER, Role.ADMIN}


def test_roles_of_other_clients_and_foreign_roles_are_ignored():
    claims = {
        "realm_access": {"roles": ["uma_authorization", "APPADMIN", "appadmin "]},
        "resource_access": {"other-app": {"roles": ["appadmin"]}},
    }
    assert roles_from_claims([claims], client_id=CLIENT) == frozenset()


def test_claims_of_the_wrong_shape_count_for_nothing():
    odd = [
        {"realm_access": "appadmin"},
        {"realm_access": {"roles": "appadmin"}},
        {"realm_access": {"roles": [["appadmin"], 7, None]}},
        {"resource_access": ["appadmin"]},
        {"resource_access": {CLIENT: ["appadmin"]}},
        {"roles": ["appadmin"]},
    ]
    assert roles_from_claims(odd, client_id=CLIENT) == frozenset()


def test_only_compact_jws_counts_as_a_jwt():
    assert looks_like_jwt("a.b.c")
    assert not looks_like_jwt("opaque-token")
    assert not looks_like_jwt("")
    assert not looks_like_jwt(None)
