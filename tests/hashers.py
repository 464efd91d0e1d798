from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 with one round: the stored hash names its rounds, so the servers and workers tests start (with
    the real settings) verify these passwords too."""

    iterations = 1
