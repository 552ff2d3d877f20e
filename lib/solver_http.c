/*
 * http-01 solvers: webroot files and the built-in standalone responder.
 */
#define _GNU_SOURCE
#include "solver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "solver_int.h"

#define WELL_KNOWN	"/.well-known"
#define CHAL_DIR	"/.well-known/acme-challenge"

/* ------------------------------------------------------------------ */
/* Webroot */

struct webroot {
	struct cc_solver base;
	char *root;		/* without trailing slashes */
};

static int bad_token(const struct cc_chal_item *it, struct cc_err *err)
{
	return cc_err_set(err, CC_EINVAL, "invalid challenge token for %s",
			  it->identifier ? it->identifier : "?");
}

/* Create dir (0755 exactly) if missing; CC_OK if it is a directory. */
static int make_dir(const char *dir, struct cc_err *err)
{
	struct stat st;

	if (mkdir(dir, 0755) == 0) {
		if (chmod(dir, 0755) < 0)
			return cc_err_set(err, CC_EIO, "cannot chmod '%s': %s",
					  dir, strerror(errno));
		return CC_OK;
	}
	if (errno != EEXIST)
		return cc_err_set(err, CC_EIO,
				  "cannot create directory '%s': %s", dir,
				  strerror(errno));
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return cc_err_set(err, CC_EIO, "'%s' is not a directory", dir);
	return CC_OK;
}

static int webroot_publish(struct cc_solver *s,
			   struct cc_chal_item *const *items, size_t n,
			   struct cc_err *err)
{
	struct webroot *w = (struct webroot *)s;
	struct cc_buf wk = CC_BUF_INIT, ac = CC_BUF_INIT, path = CC_BUF_INIT;
	struct stat st;
	size_t i;
	int rc = CC_OK, miss1, miss2;

	for (i = 0; i < n; i++)
		if (!cc_chal_token_valid(items[i]->token) ||
		    !items[i]->key_authorization)
			return bad_token(items[i], err);
	if (stat(w->root[0] ? w->root : "/", &st) < 0 || !S_ISDIR(st.st_mode))
		return cc_err_set(err, CC_ENOENT,
				  "webroot '%s' is not a directory",
				  w->root[0] ? w->root : "/");
	if (cc_buf_addf(&wk, "%s" WELL_KNOWN, w->root) ||
	    cc_buf_addf(&ac, "%s" CHAL_DIR, w->root))
		goto nomem;
	for (i = 0; i < n && !rc; i++) {
		struct cc_chal_item *it = items[i];
		const char *kv[] = { "path", NULL, "mkdir1", NULL,
				     "mkdir2", NULL };

		cc_buf_reset(&path);
		if (cc_buf_addf(&path, "%s/%s", ac.data, it->token))
			goto nomem;
		miss1 = lstat(wk.data, &st) < 0 && errno == ENOENT;
		miss2 = lstat(ac.data, &st) < 0 && errno == ENOENT;
		kv[1] = path.data;
		kv[3] = miss1 ? wk.data : NULL;
		kv[5] = miss2 ? ac.data : NULL;
		rc = cc_solver_record_set(s, it, kv, 3, err);
		if (!rc)
			rc = make_dir(wk.data, err);
		if (!rc)
			rc = make_dir(ac.data, err);
		if (!rc)
			rc = cc_write_atomic(path.data, it->key_authorization,
					     strlen(it->key_authorization),
					     0644, err);
	}
	goto out;
nomem:
	rc = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	cc_buf_release(&wk);
	cc_buf_release(&ac);
	cc_buf_release(&path);
	return rc;
}

/* 1 if path ends with suffix after a non-empty prefix. */
static int ends_with(const char *path, const char *suffix)
{
	size_t pl = strlen(path), sl = strlen(suffix);

	return pl >= sl && strcmp(path + pl - sl, suffix) == 0;
}

/* 1 if path is <something>/.well-known/acme-challenge/<token>. */
static int challenge_file(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dl;

	if (!slash || !cc_chal_token_valid(slash + 1) ||
	    strstr(path, "/../") || strncmp(path, "../", 3) == 0)
		return 0;
	dl = (size_t)(slash - path);
	return dl >= strlen(CHAL_DIR) &&
	       strncmp(slash - strlen(CHAL_DIR), CHAL_DIR,
		       strlen(CHAL_DIR)) == 0;
}

static void remove_dir(const char *dir, const char *suffix)
{
	/* only empty directories go: ENOTEMPTY, ENOENT are fine */
	if (dir && ends_with(dir, suffix))
		(void)rmdir(dir);
}

static int webroot_cleanup(struct cc_solver *s,
			   struct cc_chal_item *const *items, size_t n,
			   struct cc_err *err)
{
	struct cc_err e = CC_ERR_INIT;
	struct stat st;
	char **paths, **d1, **d2;
	size_t i;
	int rc = CC_OK, r;

	paths = calloc(n, sizeof(*paths));
	d1 = calloc(n, sizeof(*d1));
	d2 = calloc(n, sizeof(*d2));
	if (!paths || !d1 || !d2) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	/* the files first ... */
	for (i = 0; i < n; i++) {
		struct cc_chal_item *it = items[i];

		r = CC_OK;
		if (cc_chal_record_get(it->record, "path", &paths[i]) ||
		    cc_chal_record_get(it->record, "mkdir1", &d1[i]) ||
		    cc_chal_record_get(it->record, "mkdir2", &d2[i])) {
			r = cc_err_set(&e, CC_ENOMEM, "out of memory");
		} else if (!paths[i] || !challenge_file(paths[i])) {
			r = cc_err_set(&e, CC_ECORRUPT, "malformed challenge "
				       "record '%s'", it->record);
		} else if (lstat(paths[i], &st) < 0) {
			if (errno != ENOENT)
				r = cc_err_set(&e, CC_EIO, "cannot remove "
					       "'%s': %s", paths[i],
					       strerror(errno));
		} else if (!S_ISREG(st.st_mode)) {
			r = cc_err_set(&e, CC_EIO, "refusing to remove '%s': "
				       "not a regular file", paths[i]);
		} else if (unlink(paths[i]) < 0 && errno != ENOENT) {
			r = cc_err_set(&e, CC_EIO, "cannot remove '%s': %s",
				       paths[i], strerror(errno));
		}
		if (r) {
			free(paths[i]);
			paths[i] = NULL;	/* keep its record */
			if (!rc) {
				rc = r;
				if (err)
					*err = e;
			}
		}
	}
	/* ... then the directories they were in, deepest first */
	for (i = 0; i < n; i++)
		if (paths[i])
			remove_dir(d2[i], CHAL_DIR);
	for (i = 0; i < n; i++)
		if (paths[i])
			remove_dir(d1[i], WELL_KNOWN);
	for (i = 0; i < n; i++) {
		if (!paths[i])
			continue;
		r = cc_solver_record_clear(s, items[i], &e);
		if (r && !rc) {
			rc = r;
			if (err)
				*err = e;
		}
	}
out:
	for (i = 0; i < n; i++) {
		if (paths)
			free(paths[i]);
		if (d1)
			free(d1[i]);
		if (d2)
			free(d2[i]);
	}
	free(paths);
	free(d1);
	free(d2);
	return rc;
}

static void webroot_destroy(struct cc_solver *s)
{
	struct webroot *w = (struct webroot *)s;

	free(w->root);
	free(w);
}

static const struct cc_solver_ops webroot_ops = {
	"webroot", "http-01", webroot_publish, webroot_cleanup,
	webroot_destroy
};

int cc_solver_webroot_new(struct cc_solver **out, const char *webroot,
			  struct cc_err *err)
{
	struct webroot *w;
	size_t n;

	*out = NULL;
	if (!webroot || !*webroot)
		return cc_err_set(err, CC_EINVAL, "no webroot given");
	w = calloc(1, sizeof(*w));
	if (!w || !(w->root = strdup(webroot))) {
		free(w);
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	n = strlen(w->root);
	while (n > 0 && w->root[n - 1] == '/')
		w->root[--n] = '\0';
	w->base.ops = &webroot_ops;
	*out = &w->base;
	return CC_OK;
}

/* ------------------------------------------------------------------ */
/* Standalone responder */

#define SA_CONN_MAX	32
#define SA_REQ_MAX	8192
#define SA_OUT_MAX	65536	/* stop reading with this much queued */
#define SA_IDLE_MS	30000
#define SA_STOP_MS	2000

struct standalone {
	struct cc_solver base;
	char *host;		/* NULL: all addresses */
	unsigned port;
	char where[80];		/* "127.0.0.1:80", "*:80" */
	int lfd;
	unsigned bound;
	pid_t pid;
	struct cc_strlist tokens;
	struct cc_strlist kas;	/* key authorizations, same order */
	char *dir;		/* also serve this webroot's challenge files */
};

struct sa_conn {
	int fd;
	size_t len;
	char in[SA_REQ_MAX];
	struct cc_buf out;
	size_t outoff;
	int closing;		/* close once out is sent */
	long long last;
};

static long long sa_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Case-insensitive: does the comma-separated list hold word? */
static int has_token(const char *v, size_t len, const char *word)
{
	size_t wl = strlen(word), i = 0, s, e;

	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < len && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == wl && strncasecmp(v + s, word, wl) == 0)
			return 1;
	}
	return 0;
}

static void sa_respond(struct sa_conn *c, int code, const char *body,
		       int head, int keep)
{
	const char *reason = code == 200 ? "OK" : code == 404 ? "Not Found" :
			     code == 431 ? "Request Header Fields Too Large" :
			     "Bad Request";
	size_t blen = strlen(body);

	if (cc_buf_addf(&c->out, "HTTP/1.1 %d %s\r\nContent-Type: text/plain"
			"\r\nContent-Length: %zu\r\nConnection: %s\r\n\r\n",
			code, reason, blen, keep ? "keep-alive" : "close") ||
	    (!head && cc_buf_add(&c->out, body, blen)))
		keep = 0;
	if (!keep)
		c->closing = 1;
}

/* Answer one request head (hlen bytes of c->in, ending in CRLFCRLF). */
static void sa_request(const struct standalone *sa, struct sa_conn *c,
		       size_t hlen)
{
	static const char prefix[] = "/.well-known/acme-challenge/";
	const char *req = c->in, *sp1, *sp2, *eol, *line, *colon, *target;
	const char *body = "not found\n";
	size_t tlen, i, nlen;
	int v11, head, keep, close_hdr = 0, ka_hdr = 0, has_body = 0;
	int code = 404;

	eol = memchr(req, '\r', hlen);
	sp1 = memchr(req, ' ', (size_t)(eol - req));
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (!sp1 || !sp2 || (size_t)(eol - sp2 - 1) != 8 ||
	    (memcmp(sp2 + 1, "HTTP/1.1", 8) &&
	     memcmp(sp2 + 1, "HTTP/1.0", 8))) {
		sa_respond(c, 400, "bad request\n", 0, 0);
		return;
	}
	v11 = sp2[8] == '1';
	head = sp1 - req == 4 && memcmp(req, "HEAD", 4) == 0;
	/* headers that matter: Connection, and any sign of a body */
	for (line = eol + 2; line < req + hlen - 2; line = eol + 2) {
		eol = memchr(line, '\r', (size_t)(req + hlen - line));
		colon = memchr(line, ':', (size_t)(eol - line));
		if (!colon)
			continue;
		nlen = (size_t)(colon - line);
		if (nlen == 10 && strncasecmp(line, "Connection", 10) == 0) {
			close_hdr |= has_token(colon + 1,
					       (size_t)(eol - colon - 1),
					       "close");
			ka_hdr |= has_token(colon + 1,
					    (size_t)(eol - colon - 1),
					    "keep-alive");
		} else if ((nlen == 14 &&
			    strncasecmp(line, "Content-Length", 14) == 0 &&
			    !has_token(colon + 1, (size_t)(eol - colon - 1),
				       "0")) ||
			   (nlen == 17 &&
			    strncasecmp(line, "Transfer-Encoding", 17) == 0)) {
			has_body = 1;
		}
	}
	keep = v11 ? !close_hdr : ka_hdr;
	if (has_body)
		keep = 0;	/* we never read bodies */
	target = sp1 + 1;
	tlen = (size_t)(sp2 - target);
	if (tlen > 7 && strncasecmp(target, "http://", 7) == 0) {
		/* absolute-form: keep the path */
		const char *p = memchr(target + 7, '/', tlen - 7);

		tlen = p ? tlen - (size_t)(p - target) : 0;
		target = p ? p : target;
	}
	if ((head || (sp1 - req == 3 && memcmp(req, "GET", 3) == 0)) &&
	    tlen > sizeof(prefix) - 1 &&
	    memcmp(target, prefix, sizeof(prefix) - 1) == 0) {
		const char *tok = target + sizeof(prefix) - 1;
		size_t toklen = tlen - (sizeof(prefix) - 1);

		for (i = 0; i < sa->tokens.n; i++)
			if (strlen(sa->tokens.v[i]) == toklen &&
			    memcmp(sa->tokens.v[i], tok, toklen) == 0) {
				code = 200;
				body = sa->kas.v[i];
				break;
			}
		if (code != 200 && sa->dir && toklen <= 512) {
			char t[513], path[PATH_MAX];
			struct cc_buf f = CC_BUF_INIT;

			memcpy(t, tok, toklen);
			t[toklen] = '\0';
			snprintf(path, sizeof(path), "%s%s%s", sa->dir, prefix,
				 t);
			if (cc_chal_token_valid(t) &&
			    cc_read_file(path, &f, NULL) == CC_OK && f.data) {
				sa_respond(c, 200, f.data, head, keep);
				cc_buf_release(&f);
				return;
			}
			cc_buf_release(&f);
		}
	}
	sa_respond(c, code, body, head, keep);
}

/* Answer every complete request head in c->in. */
static void sa_process(const struct standalone *sa, struct sa_conn *c)
{
	const char *end;
	size_t hlen;

	while (!c->closing && c->len > 0 && c->out.len < SA_OUT_MAX) {
		end = memmem(c->in, c->len, "\r\n\r\n", 4);
		if (!end) {
			if (c->len >= SA_REQ_MAX)
				sa_respond(c, 431, "request too large\n", 0,
					   0);
			return;
		}
		hlen = (size_t)(end - c->in) + 4;
		sa_request(sa, c, hlen);
		memmove(c->in, c->in + hlen, c->len - hlen);
		c->len -= hlen;
	}
}

static void sa_close(struct sa_conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->len = 0;
	c->outoff = 0;
	c->closing = 0;
	cc_buf_release(&c->out);
}

/* The responder's main loop (in the child). Never returns. */
static void sa_serve(const struct standalone *sa, int lfd, pid_t parent)
{
	struct pollfd pfd[SA_CONN_MAX + 1];
	struct sa_conn *conns;
	size_t i, nconn = 0;
	long long now;
	ssize_t r;
	int fd;

	conns = calloc(SA_CONN_MAX, sizeof(*conns));
	if (!conns)
		_exit(1);
	for (i = 0; i < SA_CONN_MAX; i++)
		conns[i].fd = -1;
	for (;;) {
		if (getppid() != parent)
			_exit(0);
		pfd[0].fd = lfd;
		pfd[0].events = nconn < SA_CONN_MAX ? POLLIN : 0;
		for (i = 0; i < SA_CONN_MAX; i++) {
			struct sa_conn *c = &conns[i];

			pfd[i + 1].fd = c->fd;
			pfd[i + 1].events = 0;
			pfd[i + 1].revents = 0;
			if (c->fd < 0)
				continue;
			if (c->outoff < c->out.len)
				pfd[i + 1].events |= POLLOUT;
			if (!c->closing && c->len < SA_REQ_MAX &&
			    c->out.len < SA_OUT_MAX)
				pfd[i + 1].events |= POLLIN;
		}
		pfd[0].revents = 0;
		if (poll(pfd, SA_CONN_MAX + 1, 1000) < 0 && errno != EINTR)
			_exit(1);
		now = sa_mono_ms();
		while ((pfd[0].revents & POLLIN) && nconn < SA_CONN_MAX) {
			fd = accept4(lfd, NULL, NULL,
				     SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd < 0)
				break;
			for (i = 0; conns[i].fd >= 0; i++)
				;
			conns[i].fd = fd;
			conns[i].last = now;
			nconn++;
		}
		for (i = 0; i < SA_CONN_MAX; i++) {
			struct sa_conn *c = &conns[i];
			short re = pfd[i + 1].revents;

			if (c->fd < 0 || pfd[i + 1].fd != c->fd)
				continue;
			if ((re & (POLLIN | POLLHUP | POLLERR)) &&
			    (pfd[i + 1].events & POLLIN)) {
				r = recv(c->fd, c->in + c->len,
					 SA_REQ_MAX - c->len, 0);
				if (r == 0 || (r < 0 && errno != EAGAIN &&
					       errno != EINTR)) {
					sa_close(c);
					nconn--;
					continue;
				}
				if (r > 0) {
					c->len += (size_t)r;
					c->last = now;
					sa_process(sa, c);
				}
			}
			r = 0;
			while (c->outoff < c->out.len) {
				r = send(c->fd, c->out.data + c->outoff,
					 c->out.len - c->outoff,
					 MSG_NOSIGNAL | MSG_DONTWAIT);
				if (r <= 0)
					break;
				c->outoff += (size_t)r;
				c->last = now;
			}
			if (c->outoff < c->out.len && r < 0 &&
			    errno != EAGAIN && errno != EINTR) {
				sa_close(c);
				nconn--;
				continue;
			}
			if (c->outoff == c->out.len) {
				cc_buf_reset(&c->out);
				c->outoff = 0;
				if (c->closing) {
					sa_close(c);
					nconn--;
					continue;
				}
				sa_process(sa, c);	/* pipelined */
			}
			if (now - c->last > SA_IDLE_MS) {
				sa_close(c);
				nconn--;
			}
		}
	}
}

/* Parse "[ADDR:]PORT" / "[v6]:PORT" into sa->host, sa->port. */
static int sa_parse_listen(struct standalone *sa, const char *listen,
			   struct cc_err *err)
{
	unsigned char a[16];
	const char *port = listen, *colon;
	char host[64];
	size_t hl = 0;
	unsigned long p;
	char *end;

	if (listen[0] == '[') {
		colon = strstr(listen, "]:");
		if (!colon)
			goto bad;
		hl = (size_t)(colon - listen - 1);
		if (hl == 0 || hl >= sizeof(host))
			goto bad;
		memcpy(host, listen + 1, hl);
		port = colon + 2;
	} else if ((colon = strrchr(listen, ':'))) {
		hl = (size_t)(colon - listen);
		if (hl >= sizeof(host))
			goto bad;
		memcpy(host, listen, hl);
		port = colon + 1;
	}
	host[hl] = '\0';
	if (hl && inet_pton(listen[0] == '[' ? AF_INET6 : AF_INET, host,
			    a) != 1)
		goto bad;
	if (*port < '0' || *port > '9')
		goto bad;
	errno = 0;
	p = strtoul(port, &end, 10);
	if (errno || *end || p > 65535)
		goto bad;
	sa->port = (unsigned)p;
	if (hl && !(sa->host = strdup(host)))
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	return CC_OK;
bad:
	return cc_err_set(err, CC_EINVAL, "invalid listen address '%s' "
			  "(use [ADDR:]PORT)", listen);
}

static int sa_listen(struct standalone *sa, struct cc_err *err)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	int fd = -1, one = 1, zero = 0, e, rc = CC_OK;
	const char *what = sa->host ? sa->host : "*";

	memset(&ss, 0, sizeof(ss));
	if (sa->host && inet_pton(AF_INET, sa->host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)sa->port);
		sl = sizeof(*s4);
	} else {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)sa->port);
		if (sa->host)
			(void)inet_pton(AF_INET6, sa->host, &s6->sin6_addr);
		else
			s6->sin6_addr = in6addr_any;
		sl = sizeof(*s6);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0 && !sa->host && errno == EAFNOSUPPORT) {
		/* no IPv6 here: all IPv4 addresses */
		memset(&ss, 0, sizeof(ss));
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)sa->port);
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		sl = sizeof(*s4);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    0);
	}
	if (fd < 0) {
		rc = cc_err_set(err, CC_EIO, "cannot create socket: %s",
				strerror(errno));
		goto out;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6 && !sa->host)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
				 sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 128) < 0) {
		e = errno;
		rc = cc_err_set(err, CC_EIO, "cannot listen on %s port %u for "
				"http-01: %s%s", what, sa->port, strerror(e),
				e == EACCES && sa->port < 1024 ?
				" (ports below 1024 need privileges)" : "");
		goto out;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		rc = cc_err_set(err, CC_EIO, "cannot listen on %s port %u: %s",
				what, sa->port, strerror(errno));
		goto out;
	}
	sa->bound = ntohs(ss.ss_family == AF_INET ? s4->sin_port :
						    s6->sin6_port);
	snprintf(sa->where, sizeof(sa->where), "%s%s%s:%u",
		 sa->host && strchr(sa->host, ':') ? "[" : "", what,
		 sa->host && strchr(sa->host, ':') ? "]" : "", sa->bound);
	sa->lfd = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

static void sa_stop_child(struct standalone *sa)
{
	struct timespec ts = { 0, 10 * 1000000L };
	int st, i;
	pid_t r;

	if (sa->pid <= 0)
		return;
	kill(sa->pid, SIGTERM);
	for (i = 0; i < SA_STOP_MS / 10; i++) {
		r = waitpid(sa->pid, &st, WNOHANG);
		if (r == sa->pid || (r < 0 && errno != EINTR))
			goto done;
		nanosleep(&ts, NULL);
	}
	kill(sa->pid, SIGKILL);
	while (waitpid(sa->pid, &st, 0) < 0 && errno == EINTR)
		;
done:
	sa->pid = -1;
}

static int sa_start_child(struct standalone *sa, struct cc_err *err)
{
	struct sigaction act;
	sigset_t none;
	pid_t parent = getpid(), pid;
	int fd;

	pid = fork();
	if (pid < 0)
		return cc_err_set(err, CC_EIO, "cannot start the http-01 "
				  "responder: %s", strerror(errno));
	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
		memset(&act, 0, sizeof(act));
		act.sa_handler = SIG_DFL;
		sigaction(SIGTERM, &act, NULL);
		sigaction(SIGINT, &act, NULL);
		sigaction(SIGHUP, &act, NULL);
		act.sa_handler = SIG_IGN;
		sigaction(SIGPIPE, &act, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
		cc_solver_close_fds(sa->lfd);
		sa_serve(sa, sa->lfd, parent);
		_exit(0);
	}
	sa->pid = pid;
	return CC_OK;
}

static void sa_drop_token(struct standalone *sa, const char *token)
{
	size_t i;

	for (i = 0; i < sa->tokens.n; i++) {
		if (strcmp(sa->tokens.v[i], token) != 0)
			continue;
		free(sa->tokens.v[i]);
		free(sa->kas.v[i]);
		memmove(&sa->tokens.v[i], &sa->tokens.v[i + 1],
			(sa->tokens.n - i - 1) * sizeof(char *));
		memmove(&sa->kas.v[i], &sa->kas.v[i + 1],
			(sa->kas.n - i - 1) * sizeof(char *));
		sa->tokens.n--;
		sa->kas.n--;
		return;
	}
}

static void sa_shutdown(struct standalone *sa)
{
	sa_stop_child(sa);
	if (sa->lfd >= 0)
		close(sa->lfd);
	sa->lfd = -1;
	sa->bound = 0;
}

static int sa_publish(struct cc_solver *s, struct cc_chal_item *const *items,
		      size_t n, struct cc_err *err)
{
	struct standalone *sa = (struct standalone *)s;
	size_t i;
	int rc = CC_OK;

	for (i = 0; i < n; i++)
		if (!cc_chal_token_valid(items[i]->token) ||
		    !items[i]->key_authorization)
			return bad_token(items[i], err);
	if (sa->lfd < 0) {
		rc = sa_listen(sa, err);
		if (rc)
			return rc;
	}
	for (i = 0; i < n && !rc; i++) {
		struct cc_chal_item *it = items[i];
		const char *kv[] = { "listen", sa->where, "token", it->token };

		if (!cc_strlist_has(&sa->tokens, it->token) &&
		    (cc_strlist_add(&sa->tokens, it->token) ||
		     cc_strlist_add(&sa->kas, it->key_authorization))) {
			if (sa->kas.n < sa->tokens.n)
				sa_drop_token(sa, it->token);
			rc = cc_err_set(err, CC_ENOMEM, "out of memory");
			break;
		}
		rc = cc_solver_record_set(s, it, kv, 2, err);
	}
	sa_stop_child(sa);
	if (sa->tokens.n) {
		int r = sa_start_child(sa, err);

		if (!rc)
			rc = r;
	}
	return rc;
}

static int sa_cleanup(struct cc_solver *s, struct cc_chal_item *const *items,
		      size_t n, struct cc_err *err)
{
	struct standalone *sa = (struct standalone *)s;
	struct cc_err e = CC_ERR_INIT;
	char *tok = NULL;
	size_t i;
	int rc = CC_OK, r;

	for (i = 0; i < n; i++) {
		r = cc_chal_record_get(items[i]->record, "token", &tok);
		if (!r && tok)
			sa_drop_token(sa, tok);
		free(tok);
		tok = NULL;
		if (!r)
			r = cc_solver_record_clear(s, items[i], &e);
		else
			cc_err_set(&e, r, "out of memory");
		if (r && !rc) {
			rc = r;
			if (err)
				*err = e;
		}
	}
	if (!sa->tokens.n) {
		sa_shutdown(sa);
	} else if (sa->pid > 0) {
		sa_stop_child(sa);
		r = sa_start_child(sa, &e);
		if (r && !rc) {
			rc = r;
			if (err)
				*err = e;
		}
	}
	return rc;
}

static void sa_destroy(struct cc_solver *s)
{
	struct standalone *sa = (struct standalone *)s;

	sa_shutdown(sa);
	cc_strlist_release(&sa->tokens);
	cc_strlist_release(&sa->kas);
	free(sa->host);
	free(sa->dir);
	free(sa);
}

static const struct cc_solver_ops standalone_ops = {
	"standalone", "http-01", sa_publish, sa_cleanup, sa_destroy
};

int cc_solver_standalone_new(struct cc_solver **out, const char *listen,
			     struct cc_err *err)
{
	struct standalone *sa;
	int rc;

	*out = NULL;
	sa = calloc(1, sizeof(*sa));
	if (!sa)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	sa->base.ops = &standalone_ops;
	sa->lfd = -1;
	sa->pid = -1;
	rc = sa_parse_listen(sa, listen && *listen ? listen : "80", err);
	if (rc) {
		sa_destroy(&sa->base);
		return rc;
	}
	*out = &sa->base;
	return CC_OK;
}

unsigned cc_solver_standalone_port(const struct cc_solver *s)
{
	const struct standalone *sa = (const struct standalone *)s;

	if (!s || s->ops != &standalone_ops || sa->lfd < 0)
		return 0;
	return sa->bound;
}

int cc_solver_standalone_dir_new(struct cc_solver **out, const char *listen,
				 const char *dir, struct cc_err *err)
{
	struct standalone *sa;
	int rc;

	if ((rc = cc_solver_standalone_new(out, listen, err)))
		return rc;
	sa = (struct standalone *)*out;
	if (!(sa->dir = strdup(dir))) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = sa_listen(sa, err)) || (rc = sa_start_child(sa, err)))
		goto fail;
	return CC_OK;
fail:
	cc_solver_free(*out);
	*out = NULL;
	return rc;
}
