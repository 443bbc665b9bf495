from django.apps import AppConfig


class RehabConfig(AppConfig):
    name = "backstride.rehab"
    label = "rehab"

    def ready(self) -> None:
        from backstride.accounts.freshness import track

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
