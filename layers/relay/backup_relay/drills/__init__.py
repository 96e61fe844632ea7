"""Restore drills: validate what a restore testing plan restored, keep each resource's last
proven restore, alert when a drill fails or a resource goes too long without one."""
