"""Authentication backend that answers permission checks from the role matrix."""

from django.contrib.auth.backends import ModelBackend

from accounts.roles import user_capabilities
from pichosting.access import Capability


class RoleBackend(ModelBackend):
    """Username/password login plus capability permissions (`pichosting.<capability>`).

    Holders of the administer capability get every model permission, so `appadmin` can run the Django admin.
    """

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        capabilities = user_capabilities(user_obj)
        if perm.startswith("pichosting."):
            return perm.removeprefix("pichosting.") in {c.value for c in capabilities}
        if Capability.ADMINISTER in capabilities:
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        if Capability.ADMINISTER in user_capabilities(user_obj):
            return True
        return super().has_module_perms(user_obj, app_label)
