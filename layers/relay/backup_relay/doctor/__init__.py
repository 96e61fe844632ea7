"""`backup-relay doctor`: check the copy chain's prerequisites before a night's copies fail.

Each check is a pure rule over facts that adapters gather (ports.Prerequisites for the central
account, ports.MemberPrerequisites for each member through its member stack's DoctorRole). Each
finding names its category (the failure catalogue's where a copy would fail with one, so the
finding and the alert its failure raises agree), the resource, and the fix: the statement to
add, the setting and the account where it is changed.

Modules: facts (what adapters gather), policy (reading IAM policies), rules (what a rule is),
central and members (the rules), report (findings and the report), checkup (the use case).
Importers name the module, so the alerts load report alone, not the rules.
"""
