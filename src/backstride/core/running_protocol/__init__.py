"""The running part of the protocol file: the T.R.E.A.T. loop and the running ladders.

Read and validated by the protocol loader (``core/protocol/``) through the shared table
reader (``core/tables.py``); the engine (``core/treat/``) uses the rules it yields. Nothing
here imports the engine or the loader, so the layers point one way:
tables → running_protocol → protocol → treat.
"""
