"""Sign-in counters of the web processes (summed over processes in multiprocess mode)."""

from prometheus_client import Counter

SIGN_IN_WAYS = ("password", "keycloak")

SIGN_IN_FAILURES = Counter("pichosting_sign_in_failures", "Failed sign-ins, by way of signing in.", ["via"])
for _via in SIGN_IN_WAYS:  # every series exists from the start, at 0, so rates and alerts see no gaps
    SIGN_IN_FAILURES.labels(_via)
