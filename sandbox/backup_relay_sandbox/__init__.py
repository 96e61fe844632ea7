"""The offline sandbox: backup-relay's real template, rules and handlers running inside moto.

Test and demo infrastructure only; it is never packaged into a Lambda.
"""
