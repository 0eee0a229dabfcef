"""The limits every check runs under, shared by the worker and the parent that reports them."""

GIB = 2**30
DEFAULT_MEMORY_BUDGET = 2 * GIB  # address space a check may add to the worker's own
OUTPUT_KEEP = 64 * 1024  # bytes of stdout/stderr kept for the learner to see
OUTPUT_FLOOD = 8 * 2**20  # printing more than this ends the run
RESULT_LIMIT = 32 * 2**20  # bytes of findings a learner's child may send back
FILE_SIZE_LIMIT = 64 * 2**20  # the largest file the code may write
PROCESS_LIMIT = 64  # processes a check may have at once, its own first one included
SCRATCH_LIMIT = 256 * 2**20  # bytes in the scratch folder, all files together
SCRATCH_FILES = 4096  # files and folders in the scratch folder
OPEN_FILES = 256  # descriptors each process of a check may hold
MESSAGE_LIMIT = 2000  # characters of an error message that travel back from the child
DETAIL_LIMIT = 20_000  # characters of a traceback that travel back from the child
