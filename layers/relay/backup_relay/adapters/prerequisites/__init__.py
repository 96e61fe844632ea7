"""The facts the doctor checks, read from AWS: `central` (the central account: vaults, keys, the
organization, the stack's bus), `member` (each member through its member stack's DoctorRole),
`preflight` (the caller's account before `sam deploy`), `reads` (the reads they share)."""
