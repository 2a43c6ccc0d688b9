"""Everything around the job: the command line (``cli``), the Beam job itself (``job``) and the
read-back tools over a finished output (``tools``)."""
