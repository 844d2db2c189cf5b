// SPDX-License-Identifier: GPL-2.0-or-later
// Reading a member into a facts key (see facts.h, "member reads"): the one
// family the decoders share, so every read records its failure the same way.

#include "facts.h"

bool rv_jv_put_u64(struct rv_target *t, jv *obj, rv_addr_t addr, const char *type,
		   const char *path, const char *key, uint64_t *ret)
{
	uint64_t v;
	struct rv_error *err = rv_read_member(t, addr, type, path, &v);
	if (err) {
		*obj = rv_jv_set_error(*obj, err);
		return false;
	}
	if (key)
		*obj = rv_jv_set(*obj, key, rv_jv_u64(v));
	if (ret)
		*ret = v;
	return true;
}

bool rv_jv_put_s64(struct rv_target *t, jv *obj, rv_addr_t addr, const char *type,
		   const char *path, const char *key, int64_t *ret)
{
	int64_t v;
	struct rv_error *err = rv_read_member_s(t, addr, type, path, &v);
	if (err) {
		*obj = rv_jv_set_error(*obj, err);
		return false;
	}
	if (key)
		*obj = rv_jv_set(*obj, key, rv_jv_s64(v));
	if (ret)
		*ret = v;
	return true;
}

bool rv_jv_put_addr(struct rv_target *t, jv *obj, rv_addr_t addr, const char *type,
		    const char *path, const char *key, rv_addr_t *ret)
{
	uint64_t v;
	if (!rv_jv_put_u64(t, obj, addr, type, path, NULL, &v))
		return false;
	if (key)
		*obj = rv_jv_set(*obj, key, rv_jv_addr(v));
	if (ret)
		*ret = v;
	return true;
}

bool rv_jv_put_u64_opt(struct rv_target *t, jv *obj, rv_addr_t addr, const char *type,
		       const char *path, const char *key, uint64_t *ret)
{
	if (!rv_member_exists(t, type, path))
		return false;
	return rv_jv_put_u64(t, obj, addr, type, path, key, ret);
}

bool rv_jv_put_bool_opt(struct rv_target *t, jv *obj, rv_addr_t addr, const char *type,
			const char *path, const char *key, bool *ret)
{
	uint64_t v;
	if (!rv_jv_put_u64_opt(t, obj, addr, type, path, NULL, &v))
		return false;
	if (key)
		*obj = rv_jv_set(*obj, key, jv_bool(v != 0));
	if (ret)
		*ret = v != 0;
	return true;
}

bool rv_jv_put_str(struct rv_target *t, jv *obj, rv_addr_t addr, const char *type,
		   const char *path, const char *key, char *buf, size_t size)
{
	struct rv_error *err = rv_read_member_str(t, addr, type, path, buf, size);
	if (err) {
		buf[0] = '\0';
		*obj = rv_jv_set_error(*obj, err);
		return false;
	}
	if (key)
		*obj = rv_jv_set(*obj, key, jv_string(buf));
	return true;
}
