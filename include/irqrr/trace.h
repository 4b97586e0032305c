/* placeholder: the public trace-reading API lands with the trace format */
