// SPDX-License-Identifier: GPL-2.0-or-later
// A kernel dump through libkdumpfile: open (reassembling the flattened
// format), kernel virtual reads, VMCOREINFO. See dumpfile.h.

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>
#include <libkdumpfile/kdumpfile.h>

#include "dumpfile.h"
#include "rv_file.h"
#include "target.h"

// Physical memory an ELF LOAD segment describes but does not hold
// (p_filesz < p_memsz: pages makedumpfile left out).
struct elf_hole {
	uint64_t start, end;
};

struct rv_dumpfile {
	kdump_ctx_t *ctx;
	// libkdumpfile 0.5.1 releases parts of a context whose open failed
	// (kdump_open_fd, or the attribute that makes it parse VMCOREINFO);
	// kdump_free on it then crashes (SIGSEGV on a disk_dump_header with
	// bitmap_blocks 0x7fffffff, or VMCOREINFO PAGESIZE=0000). Such a
	// context is left unfreed: a one-off leak per refused dump
	// (tests/sanitize/lsan.supp).
	bool ctx_failed;
	int fd;			// the dump, or the reassembled temporary file
	char format[32];
	char *release;		// VMCOREINFO OSRELEASE
	struct elf_hole *holes;
	size_t nholes;
	uint64_t page_size;
};

// ---- the flattened format ----
//
// makedumpfile -F (and QEMU's dump-guest-memory -z up to QEMU 8.1) writes a
// stream: a 4096-byte header starting with "makedumpfile", then records of
// { int64 offset; int64 size; } (big endian) each followed by `size` bytes
// that belong at `offset` of the real kdump file, ended by a record whose
// offset and size are both -1. libkdumpfile learnt to read it in 0.5.3; for
// older versions we write the records out to a temporary file.

#define FLAT_SIGNATURE "makedumpfile"
#define FLAT_HEADER_SIZE 4096
// A record is a chunk of one write() of makedumpfile; far below this.
#define FLAT_MAX_RECORD (UINT64_C(1) << 32)

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static bool is_flattened(int fd)
{
	char sig[sizeof(FLAT_SIGNATURE)];
	return pread(fd, sig, sizeof(sig), 0) == (ssize_t)sizeof(sig) &&
	       !memcmp(sig, FLAT_SIGNATURE, sizeof(sig));
}

static struct rv_error *read_full(int fd, void *buf, size_t len, off_t off,
				  const char *path, const char *what)
{
	size_t have = 0;
	while (have < len) {
		ssize_t n = pread(fd, (char *)buf + have, len - have,
				  off + (off_t)have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return rv_error_format(RV_ERR_IO, "%s: %s: %s", path,
					       what, strerror(errno));
		if (n == 0)
			return rv_error_format(RV_ERR_IO,
					       "%s: truncated dump: %s at byte %jd is cut short",
					       path, what, (intmax_t)(off + (off_t)have));
		have += (size_t)n;
	}
	return NULL;
}

static int open_tmpfile(void)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	char tmpl[4096];
	snprintf(tmpl, sizeof(tmpl), "%s/raidvirt-XXXXXX", dir);
	fd = mkstemp(tmpl);
	if (fd >= 0)
		unlink(tmpl);
	return fd;
}

static struct rv_error *write_full(int fd, const void *buf, size_t len,
				   off_t off)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done,
				   off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return rv_error_format(RV_ERR_IO,
					       "cannot write the reassembled dump to a temporary file (TMPDIR): %s",
					       n < 0 ? strerror(errno) : "short write");
		done += (size_t)n;
	}
	return NULL;
}

// Copy the records of the flattened file @p in to a new temporary file.
static struct rv_error *reassemble_flattened(int in, const char *path,
					     rv_progress_fn progress, int *ret)
{
	struct stat st;
	if (fstat(in, &st) < 0)
		return rv_error_format(RV_ERR_IO, "%s: %s", path, strerror(errno));
	int out = open_tmpfile();
	if (out < 0)
		return rv_error_format(RV_ERR_IO,
				       "cannot create a temporary file to reassemble the flattened dump (TMPDIR): %s",
				       strerror(errno));
	size_t bufsize = 1 << 20;
	unsigned char *buf = malloc(bufsize);
	if (!buf) {
		close(out);
		return &rv_enomem;
	}
	struct rv_error *err = NULL;
	off_t pos = FLAT_HEADER_SIZE;
	unsigned int nrec = 0;
	for (;;) {
		unsigned char hdr[16];
		err = read_full(in, hdr, sizeof(hdr), pos, path, "a flattened record header");
		if (err)
			break;
		pos += 16;
		int64_t off = (int64_t)be64(hdr), size = (int64_t)be64(hdr + 8);
		if (off == -1 && size == -1)
			break;	// the end marker
		if (off < 0 || size < 0 || (uint64_t)size > FLAT_MAX_RECORD) {
			err = rv_error_format(RV_ERR_CORRUPT,
					      "%s: corrupt flattened dump: record at byte %jd has offset %" PRId64
					      " size %" PRId64, path, (intmax_t)(pos - 16), off, size);
			break;
		}
		if (pos + size > st.st_size) {
			err = rv_error_format(RV_ERR_IO,
					      "%s: truncated dump: a flattened record at byte %jd needs %" PRId64
					      " bytes, the file has %jd", path, (intmax_t)(pos - 16), size,
					      (intmax_t)st.st_size);
			break;
		}
		for (int64_t done = 0; done < size && !err;) {
			size_t chunk = (size_t)(size - done) < bufsize ?
					(size_t)(size - done) : bufsize;
			err = read_full(in, buf, chunk, pos + done, path, "flattened data");
			if (!err)
				err = write_full(out, buf, chunk, off + done);
			done += (int64_t)chunk;
		}
		if (err)
			break;
		pos += size;
		if (progress && ++nrec % 256 == 0) {
			char msg[96];
			snprintf(msg, sizeof(msg),
				 "reassembling flattened dump: %jd of %jd MiB",
				 (intmax_t)(pos >> 20), (intmax_t)(st.st_size >> 20));
			progress(msg);
		}
	}
	free(buf);
	if (progress)
		progress(NULL);
	if (err) {
		close(out);
		return err;
	}
	*ret = out;
	return NULL;
}

// ---- checks before libkdumpfile sees the file ----

static struct rv_error *add_hole(struct rv_dumpfile *df, uint64_t start, uint64_t end)
{
	struct elf_hole *h = realloc(df->holes, (df->nholes + 1) * sizeof(*h));
	if (!h)
		return &rv_enomem;
	df->holes = h;
	df->holes[df->nholes++] = (struct elf_hole){ start, end };
	return NULL;
}

// An ELF dump must hold every byte its program headers promise; a truncated
// copy would otherwise fail later on random reads. Also note the segments'
// holes (see elf_hole).
static struct rv_error *scan_elf(struct rv_dumpfile *df, int fd, const char *path)
{
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf)
		return NULL;	// not ELF: libkdumpfile decides
	struct rv_error *err = NULL;
	size_t n;
	struct stat st;
	if (elf_kind(elf) == ELF_K_ELF && !elf_getphdrnum(elf, &n) &&
	    !fstat(fd, &st)) {
		uint64_t end = 0;
		for (size_t i = 0; i < n && !err; i++) {
			GElf_Phdr ph;
			if (!gelf_getphdr(elf, (int)i, &ph))
				continue;
			// p_offset + p_filesz may wrap: compare each with
			// what is left instead of adding them.
			uint64_t fsize = (uint64_t)st.st_size;
			if (ph.p_offset > fsize || ph.p_filesz > fsize - ph.p_offset) {
				err = rv_error_format(RV_ERR_IO,
						      "%s: truncated dump: ELF program header %zu needs bytes %#" PRIx64
						      "+%#" PRIx64 " but the file has %" PRIu64 " bytes",
						      path, i, ph.p_offset, ph.p_filesz, fsize);
				break;
			}
			if (ph.p_offset + ph.p_filesz > end)
				end = ph.p_offset + ph.p_filesz;
			if (ph.p_type == PT_LOAD && ph.p_memsz > ph.p_filesz)
				err = add_hole(df, ph.p_paddr + ph.p_filesz,
					       ph.p_paddr + ph.p_memsz);
		}
		if (err) {
			elf_end(elf);
			return err;
		}
		if (end > (uint64_t)st.st_size)
			err = rv_error_format(RV_ERR_IO,
					      "%s: truncated dump: its ELF segments end at byte %" PRIu64
					      " but the file has %jd bytes", path, end,
					      (intmax_t)st.st_size);
	}
	elf_end(elf);
	return err;
}

// A kdump-compressed (diskdump) file: header block, sub-header blocks,
// two bitmaps (memory present, page dumped), one 24-byte page descriptor
// {int64 offset; u32 size; u32 flags; u64 page_flags} per dumped page, then
// page data (makedumpfile's diskdump_mod.h). A truncated copy keeps its
// header and fails much later, deep inside address translation, with a
// baffling message; compare the descriptor table and the last page's data
// with the file size instead.
#define DISKDUMP_SIGNATURE "KDUMP   "
#define DISKDUMP_HDR_BLOCK_SIZE 428	// int block_size
#define DISKDUMP_HDR_SUB_HDR_SIZE 432	// int sub_hdr_size
#define DISKDUMP_HDR_BITMAP_BLOCKS 436	// unsigned int bitmap_blocks
#define DISKDUMP_PAGE_DESC_SIZE 24
#define DISKDUMP_MAX_BITMAP (UINT64_C(1) << 32)

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static struct rv_error *check_diskdump_extent(int fd, const char *path)
{
	unsigned char hdr[DISKDUMP_HDR_BITMAP_BLOCKS + 4];
	struct stat st;
	if (pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) ||
	    memcmp(hdr, DISKDUMP_SIGNATURE, 8) || fstat(fd, &st))
		return NULL;	// not diskdump: libkdumpfile decides
	uint64_t block = le32(hdr + DISKDUMP_HDR_BLOCK_SIZE);
	uint64_t sub = le32(hdr + DISKDUMP_HDR_SUB_HDR_SIZE);
	uint64_t bitmap_blocks = le32(hdr + DISKDUMP_HDR_BITMAP_BLOCKS);
	uint64_t size = (uint64_t)st.st_size;
	uint64_t bitmap_off = (1 + sub) * block, half = bitmap_blocks * block / 2;
	uint64_t desc_off = bitmap_off + bitmap_blocks * block;
	// makedumpfile writes blocks of the page size: a power of two.
	if (block < 512 || block > (1u << 20) || (block & (block - 1)))
		return rv_error_format(RV_ERR_CORRUPT,
				       "%s: corrupt dump header: block_size %" PRIu64
				       " is not a page size", path, block);
	if (half > DISKDUMP_MAX_BITMAP)
		return NULL;	// odd header: libkdumpfile decides
	if (desc_off > size)
		return rv_error_format(RV_ERR_IO,
				       "%s: truncated dump: its bitmaps end at byte %" PRIu64
				       ", the file has %" PRIu64, path, desc_off, size);
	// Count the dumped pages: the second bitmap, read in chunks.
	unsigned char buf[65536];
	uint64_t dumped = 0;
	for (uint64_t done = 0; done < half;) {
		size_t chunk = half - done < sizeof(buf) ? (size_t)(half - done) : sizeof(buf);
		struct rv_error *err = read_full(fd, buf, chunk,
						 (off_t)(bitmap_off + half + done), path,
						 "the dumped-page bitmap");
		if (err)
			return err;
		for (size_t i = 0; i < chunk; i++)
			dumped += (uint64_t)__builtin_popcount(buf[i]);
		done += chunk;
	}
	if (!dumped)
		return NULL;
	uint64_t last = desc_off + (dumped - 1) * DISKDUMP_PAGE_DESC_SIZE;
	if (last + DISKDUMP_PAGE_DESC_SIZE > size)
		return rv_error_format(RV_ERR_IO,
				       "%s: truncated dump: %" PRIu64 " page descriptors end at byte %" PRIu64
				       ", the file has %" PRIu64, path, dumped,
				       last + DISKDUMP_PAGE_DESC_SIZE, size);
	unsigned char desc[DISKDUMP_PAGE_DESC_SIZE];
	struct rv_error *err = read_full(fd, desc, sizeof(desc), (off_t)last, path,
					 "the last page descriptor");
	if (err)
		return err;
	uint64_t data_off = 0;
	for (int i = 7; i >= 0; i--)
		data_off = (data_off << 8) | desc[i];
	uint64_t data_end = data_off + le32(desc + 8);
	// Page data follows the descriptor table. A descriptor of zeros is a
	// hole: a flattened stream that ended (cleanly) before its last
	// records, or zeroed blocks.
	if (data_off < last + DISKDUMP_PAGE_DESC_SIZE)
		return rv_error_format(RV_ERR_IO,
				       "%s: truncated dump: the last page descriptor (byte %" PRIu64
				       ") points at byte %" PRIu64 ", inside the headers: its data was never written",
				       path, last, data_off);
	if (data_end > size)
		return rv_error_format(RV_ERR_IO,
				       "%s: truncated dump: the last page's data ends at byte %" PRIu64
				       ", the file has %" PRIu64, path, data_end, size);
	return NULL;
}

// ---- open ----

static struct rv_error *kdump_error(kdump_ctx_t *ctx, const char *path,
				    const char *what)
{
	const char *msg = kdump_get_err(ctx);
	return rv_error_format(RV_ERR_IO, "%s: %s: %s", path, what,
			       msg ? msg : "unknown libkdumpfile error");
}

static struct rv_error *setup_translation(struct rv_dumpfile *df,
					  const char *path)
{
	// libkdumpfile 0.5.1 leaves arch.name unset for QEMU's diskdump
	// files (the header's machine is "x86_64" all the same); without it
	// no address translation is set up.
	const char *arch = NULL;
	if (kdump_get_string_attr(df->ctx, KDUMP_ATTR_ARCH_NAME, &arch) != KDUMP_OK) {
		if (kdump_set_string_attr(df->ctx, KDUMP_ATTR_ARCH_NAME,
					  KDUMP_ARCH_X86_64) != KDUMP_OK)
			return kdump_error(df->ctx, path, "cannot set the architecture");
	} else if (strcmp(arch, KDUMP_ARCH_X86_64)) {
		return rv_error_format(RV_ERR_INVALID,
				       "%s: a %s dump; raidvirt reads x86_64 dumps only",
				       path, arch);
	}
	// The OS type makes libkdumpfile parse VMCOREINFO and set up Linux
	// page-table translation (init_top_pgt, phys_base, KASLR) from it.
	if (kdump_set_string_attr(df->ctx, KDUMP_ATTR_OSTYPE, "linux") != KDUMP_OK)
		return kdump_error(df->ctx, path, "cannot set up Linux address translation");
	return NULL;
}

// Read init_uts_ns.name.release from memory and compare it with VMCOREINFO:
// proves that translation works and the dump holds kernel memory.
static struct rv_error *check_memory(struct rv_dumpfile *df, const char *path)
{
	kdump_addr_t uts;
	if (kdump_vmcoreinfo_symbol(df->ctx, "init_uts_ns", &uts) != KDUMP_OK)
		return NULL;	// nothing to check against
	// OFFSET(uts_namespace.name) is exported since v5.11 (ca4a9241cc5e
	// "kdump: append uts_namespace.name offset to VMCOREINFO"). Older
	// kernels have 'struct kref kref' (4 bytes) before name: try 0, then 4.
	int64_t name_off = 0;
	struct rv_error *err = rv_dumpfile_vmcoreinfo_num(df, "OFFSET(uts_namespace.name)",
							  &name_off);
	bool exported = !err;
	rv_error_destroy(err);
	// struct new_utsname is ABI: six char[65], release is the third.
	char rel[65];
	for (int64_t off = name_off;; off += 4) {
		err = rv_dumpfile_read(df, uts + (uint64_t)off + 2 * 65, rel, sizeof(rel));
		if (err) {
			struct rv_error *e = rv_error_format(RV_ERR_IO,
				"%s: cannot read kernel memory (init_uts_ns): %s", path,
				err->msg);
			rv_error_destroy(err);
			return e;
		}
		rel[64] = '\0';
		if (exported || off == 4 || !strcmp(rel, df->release))
			break;
	}
	if (strcmp(rel, df->release))
		return rv_error_format(RV_ERR_CORRUPT,
				       "%s: kernel memory says release '%s', VMCOREINFO says '%s'",
				       path, rel, df->release);
	return NULL;
}

/**
 * libkdumpfile 0.5.1 crashes on some damaged headers and VMCOREINFO notes
 * (random bytes over a VMCOREINFO line, for one), inside kdump_open_fd: the
 * CLI must not. Open the dump once in a child process first, as far as the
 * Linux translation set-up; a child killed by a signal (or not done within
 * PROBE_SECONDS) means the dump's headers are damaged, said as such.
 */
#define PROBE_SECONDS 10

static void probe_child(struct rv_dumpfile *df)
{
	// A crash must end the child by its signal, also under ASan (whose
	// handler would exit with a status instead).
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	signal(SIGFPE, SIG_DFL);
	signal(SIGILL, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
	alarm(PROBE_SECONDS);
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", df->fd);
	int fd = open(self, O_RDONLY | O_CLOEXEC);	// its own file offset
	kdump_ctx_t *ctx = kdump_new();
	if (fd < 0 || !ctx || kdump_open_fd(ctx, fd) != KDUMP_OK)
		_exit(0);
	const char *arch = NULL;
	if (kdump_get_string_attr(ctx, KDUMP_ATTR_ARCH_NAME, &arch) != KDUMP_OK &&
	    kdump_set_string_attr(ctx, KDUMP_ATTR_ARCH_NAME, KDUMP_ARCH_X86_64) != KDUMP_OK)
		_exit(0);
	kdump_set_string_attr(ctx, KDUMP_ATTR_OSTYPE, "linux");
	_exit(0);
}

static struct rv_error *probe_kdump(struct rv_dumpfile *df, const char *path)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return NULL;	// no probe: the real open decides
	if (pid == 0)
		probe_child(df);
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return NULL;
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		return rv_error_format(RV_ERR_CORRUPT,
				       "%s: corrupt dump headers: libkdumpfile did not finish reading them in %d s",
				       path, PROBE_SECONDS);
	if (WIFSIGNALED(status))
		return rv_error_format(RV_ERR_CORRUPT,
				       "%s: corrupt dump headers or VMCOREINFO: libkdumpfile crashes reading them (%s)",
				       path, strsignal(WTERMSIG(status)));
	return NULL;
}

static struct rv_error *open_kdump(struct rv_dumpfile *df, const char *path)
{
	struct rv_error *perr = probe_kdump(df, path);
	if (perr)
		return perr;
	df->ctx = kdump_new();
	if (!df->ctx)
		return &rv_enomem;
	if (kdump_open_fd(df->ctx, df->fd) != KDUMP_OK) {
		df->ctx_failed = true;
		const char *msg = kdump_get_err(df->ctx);
		return rv_error_format(RV_ERR_IO, "%s: not a kernel dump libkdumpfile can read (%s)",
				       path, msg ? msg : "unknown format");
	}
	const char *fmt = NULL;
	if (kdump_get_string_attr(df->ctx, KDUMP_ATTR_FILE_FORMAT, &fmt) == KDUMP_OK && fmt &&
	    !df->format[0])
		snprintf(df->format, sizeof(df->format), "%s", fmt);
	struct rv_error *err = setup_translation(df, path);
	if (err) {
		df->ctx_failed = true;
		return err;
	}
	kdump_num_t page_size;
	df->page_size = kdump_get_number_attr(df->ctx, KDUMP_ATTR_PAGE_SIZE, &page_size) ==
				KDUMP_OK && page_size && !(page_size & (page_size - 1)) ?
			page_size : 4096;
	if (kdump_vmcoreinfo_line(df->ctx, "OSRELEASE", &df->release) != KDUMP_OK ||
	    !df->release)
		return rv_error_format(RV_ERR_IO,
				       "%s: the dump has no VMCOREINFO (for QEMU dumps: load qemu_fw_cfg in the guest and pass -device vmcoreinfo)",
				       path);
	return check_memory(df, path);
}

struct rv_error *rv_dumpfile_open(const char *path, rv_progress_fn progress,
				  struct rv_dumpfile **ret)
{
	struct rv_dumpfile *df = calloc(1, sizeof(*df));
	if (!df)
		return &rv_enomem;
	df->fd = -1;
	struct rv_error *err = NULL;
	int fd;
	err = rv_file_open(path, "kernel dump", 0, &fd);
	if (err)
		goto fail;
	struct stat st;
	if (fstat(fd, &st) == 0 && st.st_size == 0) {
		close(fd);
		err = rv_error_format(RV_ERR_IO, "%s: empty file", path);
		goto fail;
	}
	if (is_flattened(fd)) {
		snprintf(df->format, sizeof(df->format), "diskdump-flattened");
		err = reassemble_flattened(fd, path, progress, &df->fd);
		close(fd);
		// The reassembled file must hold what its header promises,
		// as a plain kdump file must.
		if (!err)
			err = check_diskdump_extent(df->fd, path);
		if (err)
			goto fail;
	} else {
		df->fd = fd;
		err = scan_elf(df, fd, path);
		if (!err)
			err = check_diskdump_extent(fd, path);
		if (err)
			goto fail;
	}
	err = open_kdump(df, path);
	if (err)
		goto fail;
	*ret = df;
	return NULL;
fail:
	rv_dumpfile_close(df);
	return err;
}

void rv_dumpfile_close(struct rv_dumpfile *df)
{
	if (!df)
		return;
	if (df->ctx && !df->ctx_failed)
		kdump_free(df->ctx);
	if (df->fd >= 0)
		close(df->fd);
	free(df->release);
	free(df->holes);
	free(df);
}

// ---- reads ----

/**
 * libkdumpfile 0.5.1 reads a page in an ELF segment's hole as zeros when it
 * looks the page up by physical address (always, for QEMU's ELF dumps, whose
 * segments carry no virtual addresses). An excluded page must fail: find the
 * physical address of every page of the read and refuse those in a hole.
 */
static struct rv_error *check_elf_holes(struct rv_dumpfile *df, uint64_t addr,
					size_t len)
{
	addrxlat_ctx_t *axctx;
	addrxlat_sys_t *axsys;
	if (kdump_get_addrxlat(df->ctx, &axctx, &axsys) != KDUMP_OK)
		return NULL;	// kdump_read will say what is wrong
	struct rv_error *err = NULL;
	uint64_t mask = df->page_size - 1;
	for (uint64_t page = addr & ~mask; page < addr + len && !err; page += df->page_size) {
		addrxlat_fulladdr_t fa = { .addr = page, .as = ADDRXLAT_KVADDR };
		if (addrxlat_fulladdr_conv(&fa, ADDRXLAT_KPHYSADDR, axctx, axsys) != ADDRXLAT_OK)
			continue;
		for (size_t i = 0; i < df->nholes; i++) {
			if (fa.addr >= df->holes[i].start && fa.addr < df->holes[i].end) {
				uint64_t bad = page > addr ? page : addr;
				err = rv_error_fault(bad,
						     "cannot read %zu bytes at %#" PRIx64
						     ": page %#" PRIx64 " (physical %#" PRIx64
						     ") is excluded from the dump",
						     len, addr, page, fa.addr);
				break;
			}
		}
	}
	addrxlat_ctx_decref(axctx);
	addrxlat_sys_decref(axsys);
	return err;
}

struct rv_error *rv_dumpfile_read(struct rv_dumpfile *df, uint64_t addr,
				  void *buf, size_t len)
{
	if (df->nholes) {
		struct rv_error *err = check_elf_holes(df, addr, len);
		if (err)
			return err;
	}
	size_t got = len;
	kdump_status s = kdump_read(df->ctx, KDUMP_KVADDR, addr, buf, &got);
	if (s == KDUMP_OK)
		return NULL;
	// A partial read reports how far it got: name the page that failed.
	const char *msg = kdump_get_err(df->ctx);
	uint64_t bad = addr + (got < len ? got : 0);
	return rv_error_fault(bad, "cannot read %zu bytes at %#" PRIx64 ": %s",
			      len, addr, msg ? msg : kdump_strerror(s));
}

struct rv_error *rv_dumpfile_vmcoreinfo(struct rv_dumpfile *df,
					const char *key, char **ret)
{
	char *val = NULL;
	if (kdump_vmcoreinfo_line(df->ctx, key, &val) != KDUMP_OK || !val)
		return rv_error_format(RV_ERR_LOOKUP, "no %s in VMCOREINFO", key);
	*ret = val;
	return NULL;
}

struct rv_error *rv_dumpfile_vmcoreinfo_num(struct rv_dumpfile *df,
					    const char *key, int64_t *ret)
{
	char *val = NULL, *end;
	struct rv_error *err = rv_dumpfile_vmcoreinfo(df, key, &val);
	if (err)
		return err;
	// KERNELOFFSET and SYMBOL() are hex without 0x; NUMBER() and
	// OFFSET() are decimal (NUMBER(phys_base) may be negative).
	bool hex = !strcmp(key, "KERNELOFFSET") || !strncmp(key, "SYMBOL(", 7);
	errno = 0;
	int64_t v = hex ? (int64_t)strtoull(val, &end, 16) : strtoll(val, &end, 10);
	bool bad = errno || end == val || *end;
	free(val);
	if (bad)
		return rv_error_format(RV_ERR_CORRUPT, "VMCOREINFO %s is not a number", key);
	*ret = v;
	return NULL;
}

const char *rv_dumpfile_format(struct rv_dumpfile *df)
{
	return df->format[0] ? df->format : "unknown";
}

const char *rv_dumpfile_release(struct rv_dumpfile *df)
{
	return df->release;
}

// ---- salvage ----

#define SALVAGE_SCAN (UINT64_C(64) << 20)
#define SALVAGE_MAX_TEXT 65536

static bool vmci_char(unsigned char c)
{
	return c == '\n' || (c >= 0x20 && c < 0x7f);
}

// The VMCOREINFO text around @p at in @p buf: back to the first character
// of its first line, forward while printable.
static char *vmci_text(const unsigned char *buf, size_t len, size_t at)
{
	size_t start = at, end = at;
	while (start > 0 && at - start < SALVAGE_MAX_TEXT && vmci_char(buf[start - 1]))
		start--;
	while (end < len && end - start < SALVAGE_MAX_TEXT && vmci_char(buf[end]))
		end++;
	return strndup((const char *)buf + start, end - start);
}

// The value of "KEY=" at a line start of @p text, or NULL.
static jv vmci_value(const char *text, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			const char *v = p + kl + 1;
			size_t n = strcspn(v, "\n");
			return n ? jv_string_sized(v, (int)n) : jv_null();
		}
	}
	return jv_null();
}

jv rv_dumpfile_salvage(const char *path)
{
	int fd;
	struct rv_error *err = rv_file_open(path, "kernel dump", 0, &fd);
	if (err) {
		rv_error_destroy(err);
		return jv_null();
	}
	// Chunks overlap by a page so the text is never cut at a boundary.
	size_t chunk = 1 << 20, overlap = 4096;
	unsigned char *buf = malloc(chunk + overlap);
	char *text = NULL;
	for (uint64_t off = 0; buf && !text && off < SALVAGE_SCAN; off += chunk) {
		ssize_t n = pread(fd, buf, chunk + overlap, (off_t)off);
		if (n <= 0)
			break;
		unsigned char *hit = memmem(buf, (size_t)n, "OSRELEASE=", 10);
		if (hit)
			text = vmci_text(buf, (size_t)n, (size_t)(hit - buf));
	}
	free(buf);
	close(fd);
	if (!text)
		return jv_null();
	jv out = jv_object();
	jv rel = vmci_value(text, "OSRELEASE");
	out = jv_object_set(out, jv_string("release"), rel);
	jv v = jv_object();
	static const struct { const char *key, *name; } keys[] = {
		{ "PAGESIZE", "page_size" }, { "BUILD-ID", "build_id" },
		{ "CRASHTIME", "crash_time" }, { "KERNELOFFSET", "kerneloffset" },
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		jv val = vmci_value(text, keys[i].key);
		if (jv_get_kind(val) == JV_KIND_STRING &&
		    (!strcmp(keys[i].key, "PAGESIZE") || !strcmp(keys[i].key, "CRASHTIME"))) {
			char *end;
			errno = 0;
			unsigned long long n = strtoull(jv_string_value(val), &end, 10);
			bool ok = !errno && !*end;
			jv_free(val);
			val = ok ? jv_number((double)n) : jv_null();
		}
		if (jv_get_kind(val) != JV_KIND_NULL)
			v = jv_object_set(v, jv_string(keys[i].name), val);
		else
			jv_free(val);
	}
	free(text);
	return jv_object_set(out, jv_string("vmcoreinfo"), v);
}

// ---- the dump's own notes (dump.provenance) ----
//
// ELF: the PT_NOTE segments. kdump-compressed: the note blob the sub-header
// points at (offset_note/size_note, header_version >= 4), which holds the
// same notes as the ELF it was made from. Both are Elf64_Nhdr {namesz,
// descsz, type} followed by the name and the descriptor, each padded to 4
// bytes. Counted: "CORE" NT_PRSTATUS (one per CPU: the kernel's crash_notes
// or QEMU's), "QEMU" (QEMU's CPU state, written only by dump-guest-memory),
// "VMCOREINFO".

#define MAX_NOTE_BLOB (UINT64_C(16) << 20)
#define DISKDUMP_HDR_VERSION 8		// int header_version
#define DISKDUMP_SUB_DUMP_LEVEL 8	// kdump_sub_header: int dump_level
#define DISKDUMP_SUB_OFFSET_NOTE 48	// off_t offset_note (header_version >= 4)
#define DISKDUMP_SUB_SIZE_NOTE 56	// unsigned long size_note

static void count_notes(const unsigned char *p, size_t len, struct rv_dump_file *ret)
{
	if (ret->nr_prstatus < 0)
		ret->nr_prstatus = 0;
	if (ret->nr_qemu < 0)
		ret->nr_qemu = 0;
	if (ret->vmcoreinfo < 0)
		ret->vmcoreinfo = 0;
	size_t off = 0;
	while (off + 12 <= len) {
		uint32_t namesz = le32(p + off), descsz = le32(p + off + 4);
		uint32_t type = le32(p + off + 8);
		uint64_t name_end = off + 12 + (((uint64_t)namesz + 3) & ~UINT64_C(3));
		uint64_t next = name_end + (((uint64_t)descsz + 3) & ~UINT64_C(3));
		if (next > len || namesz > 64)
			break;
		const char *name = (const char *)p + off + 12;
		if (namesz == 5 && !memcmp(name, "CORE", 5) && type == NT_PRSTATUS)
			ret->nr_prstatus++;
		else if (namesz >= 4 && !memcmp(name, "QEMU", 4))
			ret->nr_qemu++;
		else if (namesz == 11 && !memcmp(name, "VMCOREINFO", 11))
			ret->vmcoreinfo = 1;
		off = next;
	}
}

static struct rv_error *note_blob(int fd, uint64_t off, uint64_t size,
				  struct rv_dump_file *ret)
{
	if (size > MAX_NOTE_BLOB)
		return rv_error_format(RV_ERR_CORRUPT, "note segment of %" PRIu64
				       " bytes: implausible, not read", size);
	unsigned char *buf = malloc(size ? size : 1);
	if (!buf)
		return &rv_enomem;
	struct rv_error *err = read_full(fd, buf, size, (off_t)off, "dump", "the notes");
	if (!err)
		count_notes(buf, size, ret);
	free(buf);
	return err;
}

static struct rv_error *elf_notes(int fd, struct rv_dump_file *ret)
{
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	size_t n;
	struct rv_error *err = NULL;
	if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &n)) {
		err = rv_error_format(RV_ERR_CORRUPT, "ELF program headers unreadable");
		goto out;
	}
	for (size_t i = 0; i < n && !err; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_NOTE)
			err = note_blob(fd, ph.p_offset, ph.p_filesz, ret);
	}
out:
	if (elf)
		elf_end(elf);
	return err;
}

static struct rv_error *diskdump_notes(int fd, struct rv_dump_file *ret)
{
	unsigned char hdr[DISKDUMP_HDR_BLOCK_SIZE + 4], sub[DISKDUMP_SUB_SIZE_NOTE + 8];
	struct rv_error *err = read_full(fd, hdr, sizeof(hdr), 0, "dump", "the header");
	if (err)
		return err;
	uint32_t version = le32(hdr + DISKDUMP_HDR_VERSION);
	uint32_t block = le32(hdr + DISKDUMP_HDR_BLOCK_SIZE);
	if ((err = read_full(fd, sub, sizeof(sub), (off_t)block, "dump", "the sub-header")))
		return err;
	ret->dump_level = (int)le32(sub + DISKDUMP_SUB_DUMP_LEVEL);
	if (version < 4)
		return NULL;	// no notes in the file
	uint64_t off = 0, size = 0;
	for (int i = 7; i >= 0; i--) {
		off = (off << 8) | sub[DISKDUMP_SUB_OFFSET_NOTE + i];
		size = (size << 8) | sub[DISKDUMP_SUB_SIZE_NOTE + i];
	}
	return size ? note_blob(fd, off, size, ret) : (count_notes(NULL, 0, ret), NULL);
}

struct rv_error *rv_dumpfile_notes(struct rv_dumpfile *df, struct rv_dump_file *ret)
{
	bool flat = !strcmp(df->format, "diskdump-flattened");
	snprintf(ret->format, sizeof(ret->format), "%s", flat ? "diskdump" : df->format);
	ret->flattened = flat;
	if (!strcmp(ret->format, "elf"))
		return elf_notes(df->fd, ret);
	if (!strcmp(ret->format, "diskdump"))
		return diskdump_notes(df->fd, ret);
	return rv_error_format(RV_ERR_LOOKUP, "dump format %s: notes not known",
			       ret->format[0] ? ret->format : "unknown");
}
