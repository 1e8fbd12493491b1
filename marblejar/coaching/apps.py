from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoachingConfig(AppConfig):
    """The web side of the language coach: the inline widget and its endpoints.

    The coach itself (`marblejar.coach`) is plain Python with no Django import.
    """

    name = "marblejar.coaching"
    verbose_name = _("Language coach")
