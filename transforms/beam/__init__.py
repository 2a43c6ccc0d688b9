"""Every Beam DoFn and PTransform: read, run the stages, corpus steps, spill, write.

The only room under transforms/ that imports apache_beam; it holds no text logic of its own.
"""
