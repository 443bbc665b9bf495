from django.apps import AppConfig


class RehabConfig(AppConfig):
    name = "backstride.rehab"
    label = "rehab"

    def ready(self) -> None:
        from backstride.accounts.freshness import read_fresh, track

        from .records import stopping_screen

        # the records the phase decision and the running prescription are computed from
        for label in (
            "rehab.RehabProfile",
            "rehab.Assessment",
            "rehab.RedFlagScreen",
            "rehab.PhaseChange",
            "rehab.SessionLog",
            "rehab.CheckIn",
            "rehab.ObjectiveTestResult",
            "rehab.OutcomeScore",
        ):
            track(label)
        track("rehab.RedFlagClearance", "screen.user_id")
        track("rehab.SeenClinicianDeclaration", "screen.user_id")
        # a stop shows at once, even if some write reached the database without a signal
        read_fresh(lambda user: stopping_screen(user) is not None)
