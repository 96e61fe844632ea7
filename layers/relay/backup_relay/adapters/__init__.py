"""Everything that talks to AWS. The domain modules import none of this."""
