# usercenter: build, run and test.
#
#   make run     install what is missing, build, start Redis + nginx with conf/
#                (STORE=postgresql: on a private PostgreSQL, not SQLite)
#   make stop    stop what "make run" started
#   make test    install, build, run every suite against private instances
#   make bench   the benchmark table (tools/bench), recognition's quality last
#   make ocr-quality   recognition's quality alone (OCR_COUNT images, 300)
#   make fuzz    every libFuzzer target for FUZZ_SECONDS (300) each; new
#                inputs are merged, minimised, into t/fuzz/corpus/
#
# Everything built or started lives under build/ (the private prefix).

SHELL    := /bin/sh
TOP      := $(CURDIR)
BUILD    := $(TOP)/build
CC       ?= cc
CFLAGS   ?= -O2 -g
UC_CFLAGS = $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
            -D_FORTIFY_SOURCE=2 -fstack-protector-strong -Ilibuc

LIBUC_SRC = libuc/uc_token.c libuc/uc_schema.c libuc/uc_config.c libuc/uc_flags.c \
            libuc/uc_pow.c libuc/uc_ident.c libuc/uc_cn.c libuc/uc_alipay.c \
            libuc/uc_aliyun.c libuc/uc_tc3.c
LIBUC_HDR = libuc/uc_token.h libuc/uc_schema.h libuc/uc_config.h libuc/uc_flags.h \
            libuc/uc_pow.h libuc/uc_ident.h libuc/uc_cn.h libuc/uc_alipay.h \
            libuc/uc_aliyun.h libuc/uc_tc3.h
MODULE    = $(BUILD)/nginx/ngx_http_usercenter_module.so
MODULE_SRC = config $(wildcard ngx_usercenter_module/*.[ch]) $(LIBUC_SRC) \
             $(LIBUC_HDR)
UCCTL     = $(BUILD)/ucctl
# the loopback WeChat and Alipay (tools/standin/): demo and tests only
STANDIN   = $(BUILD)/uc-standin
STANDIN_SRC = $(wildcard tools/standin/*.c) libuc/uc_alipay.c libuc/uc_aliyun.c \
              libuc/uc_tc3.c
BACKEND   = $(BUILD)/uc-backend
# backend/: core (server, routing, config, logs, Redis, ids, outbox), store
# (its interface and SQLite), and one folder per domain
BACKEND_DIRS = backend/core backend/store backend/accounts backend/control \
               backend/admin backend/lines backend/merchants backend/social \
               backend/certification backend/ocr
BACKEND_SRC = $(foreach d,$(BACKEND_DIRS),$(wildcard $(d)/*.c))
BACKEND_HDR = $(foreach d,$(BACKEND_DIRS),$(wildcard $(d)/*.h))
BACKEND_INC = $(BACKEND_DIRS:%=-I%) -I/usr/include/postgresql
# the store's migrations: .sql files, compiled in
MIGRATIONS_SQLITE = $(wildcard backend/store/migrations/sqlite/*.sql)
MIGRATIONS_PG = $(wildcard backend/store/migrations/postgresql/*.sql)
MIGRATIONS_C = $(BUILD)/gen/migrations_sqlite.c $(BUILD)/gen/migrations_pg.c
# recognition's test documents (t/ocr/) and quality scorer (tools/)
DOCGEN = $(BUILD)/docgen
DOCGEN_SRC = $(wildcard t/ocr/*.c) libuc/uc_cn.c
OCR_QUALITY = $(BUILD)/ocr-quality
OCR_CORE = backend/ocr/find.c backend/ocr/layout.c backend/ocr/recognize.c \
           backend/ocr/image.c backend/ocr/places.c libuc/uc_cn.c \
           backend/core/validate.c backend/core/formats.c
OCR_COUNT ?= 300
OCR_SEED ?= 14
UNIT_TESTS = $(BUILD)/t/token.t $(BUILD)/t/schema.t $(BUILD)/t/backend.t \
             $(BUILD)/t/serials.t $(BUILD)/t/ids.t $(BUILD)/t/pow.t \
             $(BUILD)/t/flags.t $(BUILD)/t/ident.t $(BUILD)/t/store.t \
             $(BUILD)/t/cn.t $(BUILD)/t/alipay.t $(BUILD)/t/wechat.t \
             $(BUILD)/t/aliyun.t $(BUILD)/t/image.t \
             $(BUILD)/t/layout.t $(BUILD)/t/cert_config.t $(BUILD)/t/sql.t

.PHONY: all deps build run stop test test-asan bench fuzz fuzz-build clean

all: build

deps:
	@tools/deps.sh

build: $(MODULE) $(UCCTL) $(BACKEND) $(STANDIN) $(UNIT_TESTS) $(DOCGEN) \
       $(BUILD)/t-pg/store_faults.t

$(BUILD)/gen/migrations_sqlite.c: $(MIGRATIONS_SQLITE) tools/embed-sql.sh
	@mkdir -p $(BUILD)/gen
	tools/embed-sql.sh backend/store/migrations/sqlite ucb_migrations \
	    ucb_nmigrations > $@

$(BUILD)/gen/migrations_pg.c: $(MIGRATIONS_PG) tools/embed-sql.sh
	@mkdir -p $(BUILD)/gen
	tools/embed-sql.sh backend/store/migrations/postgresql \
	    ucb_pg_migrations ucb_pg_nmigrations > $@

$(BACKEND): $(BACKEND_SRC) $(BACKEND_HDR) $(LIBUC_SRC) $(LIBUC_HDR) \
            $(MIGRATIONS_C)
	@mkdir -p $(BUILD)
	$(CC) $(UC_CFLAGS) -pthread $(BACKEND_INC) -o $@ $(BACKEND_SRC) \
	    $(MIGRATIONS_C) $(LIBUC_SRC) \
	    -lmicrohttpd -ljansson -lsqlite3 -lpq -largon2 -lhiredis -lcrypto \
	    -lpsl -lcurl -ltesseract -llept -lm

$(STANDIN): $(STANDIN_SRC) tools/standin/standin.h libuc/uc_alipay.h \
            libuc/uc_aliyun.h libuc/uc_tc3.h
	@mkdir -p $(BUILD)
	$(CC) $(UC_CFLAGS) -pthread -Itools/standin -o $@ $(STANDIN_SRC) \
	    -lmicrohttpd -ljansson -lcrypto

$(MODULE): $(MODULE_SRC) tools/build-module.sh
	@tools/build-module.sh $(BUILD)/nginx

# ucctl store copy: the PostgreSQL schema's migrations, as the backend's
UCCTL_SRC = tools/ucctl.c tools/ucctl_api.c tools/ucctl_store.c \
            backend/store/store_pg_schema.c $(BUILD)/gen/migrations_pg.c
$(UCCTL): $(UCCTL_SRC) tools/ucctl.h backend/store/store_pg_schema.h \
          $(LIBUC_SRC) $(LIBUC_HDR)
	@mkdir -p $(BUILD)
	$(CC) $(UC_CFLAGS) -Itools -Ibackend/store -I/usr/include/postgresql \
	    -o $@ $(UCCTL_SRC) $(LIBUC_SRC) \
	    -lhiredis -lcurl -ljansson -lcrypto -lsqlite3 -lpq

$(BUILD)/t/backend.t: t/unit/backend.c t/unit/tap.h backend/core/formats.c \
                      backend/core/validate.c $(BACKEND_HDR) $(LIBUC_HDR)
	@mkdir -p $(BUILD)/t
	$(CC) $(UC_CFLAGS) -It/unit $(BACKEND_INC) -o $@ $< \
	    backend/core/formats.c backend/core/validate.c

$(BUILD)/t/image.t: t/unit/image.c t/unit/tap.h backend/ocr/image.c \
                    backend/ocr/image.h
	@mkdir -p $(BUILD)/t
	$(CC) $(UC_CFLAGS) -It/unit -Ibackend/ocr -o $@ $< backend/ocr/image.c \
	    -llept

$(BUILD)/t/layout.t: t/unit/layout.c t/unit/tap.h backend/ocr/layout.c \
                     backend/ocr/places.c $(BACKEND_HDR) $(LIBUC_HDR)
	@mkdir -p $(BUILD)/t
	$(CC) $(UC_CFLAGS) -It/unit $(BACKEND_INC) -o $@ $< backend/ocr/layout.c \
	    backend/ocr/places.c libuc/uc_cn.c backend/core/validate.c \
	    backend/core/formats.c -ljansson

$(BUILD)/t/wechat.t: t/unit/wechat.c t/unit/tap.h \
                     backend/social/wechat_answer.c $(BACKEND_HDR) $(LIBUC_HDR)
	@mkdir -p $(BUILD)/t
	$(CC) $(UC_CFLAGS) -It/unit $(BACKEND_INC) -o $@ $< \
	    backend/social/wechat_answer.c -ljansson

# the store and serial segments against a real SQLite file
SERIALS_SRC = backend/control/serials.c backend/store/store_sqlite.c \
              backend/store/store.c backend/store/store_postgresql.c \
              backend/store/store_sql.c backend/store/store_config.c \
              backend/store/store_pg_schema.c backend/store/store_pg_conn.c \
              backend/store/store_lines.c \
              backend/store/store_keys.c backend/store/store_merchants.c \
              backend/store/store_members.c backend/store/store_social.c \
              backend/store/store_certification.c \
              backend/store/store_merchant_cert.c \
              backend/control/flags_sync.c backend/lines/lines_sync.c \
              backend/lines/keys_sync.c backend/merchants/merchants_sync.c \
              backend/core/formats.c \
              backend/core/log.c backend/core/config.c backend/core/outbox.c \
              backend/social/social_config.c backend/social/provider.c \
              backend/certification/cert_config.c backend/ocr/ocr_config.c \
              backend/core/redis.c \
              backend/core/validate.c \
              backend/accounts/sessions.c $(MIGRATIONS_C)
$(BUILD)/t/serials.t: t/unit/serials.c t/unit/tap.h $(SERIALS_SRC) \
                      $(BACKEND_HDR) $(LIBUC_SRC) $(LIBUC_HDR)
	@mkdir -p $(BUILD)/t
	$(CC) $(UC_CFLAGS) -pthread -It/unit $(BACKEND_INC) -o $@ $< $(SERIALS_SRC) \
	    $(LIBUC_SRC) -ljansson -lsqlite3 -lpq -lhiredis -lcrypto -lcurl

# the store under two racing processes (UC_TEST_STORE, else SQLite)
$(BUILD)/t/store.t: t/unit/store.c t/unit/tap.h $(SERIALS_SRC) \
                    $(BACKEND_HDR) $(LIBUC_SRC) $(LIBUC_HDR)
	@mkdir -p $(BUILD)/t
	$(CC) $(UC_CFLAGS) -pthread -It/unit $(BACKEND_INC) -o $@ $< $(SERIALS_SRC) \
	    $(LIBUC_SRC) -ljansson -lsqlite3 -lpq -lhiredis -lcrypto -lcurl

# the PostgreSQL driver when the server goes away: run by the PostgreSQL
# pass of tools/test.sh only (it stops, starts and freezes the server)
$(BUILD)/t-pg/store_faults.t: t/unit/store_faults.c t/unit/tap.h \
                              $(SERIALS_SRC) $(BACKEND_HDR) $(LIBUC_SRC) \
                              $(LIBUC_HDR)
	@mkdir -p $(BUILD)/t-pg
	$(CC) $(UC_CFLAGS) -pthread -It/unit $(BACKEND_INC) -o $@ $< $(SERIALS_SRC) \
	    $(LIBUC_SRC) -ljansson -lsqlite3 -lpq -lhiredis -lcrypto -lcurl

# the id generator against the Redis that make test runs
IDS_SRC = backend/core/ids.c backend/core/redis.c backend/core/log.c \
          backend/core/config.c backend/core/validate.c backend/core/formats.c \
          backend/social/social_config.c backend/social/provider.c \
          backend/certification/cert_config.c backend/ocr/ocr_config.c
$(BUILD)/t/ids.t: t/unit/ids.c t/unit/tap.h $(IDS_SRC) $(BACKEND_HDR) \
                  $(LIBUC_SRC) $(LIBUC_HDR)
	@mkdir -p $(BUILD)/t
	$(CC) $(UC_CFLAGS) -pthread -It/unit $(BACKEND_INC) -o $@ $< $(IDS_SRC) \
	    $(LIBUC_SRC) -ljansson -lhiredis -lcrypto -lcurl

$(BUILD)/t/sql.t: t/unit/sql.c t/unit/tap.h backend/store/store_sql.c \
                  backend/store/store_sql.h
	@mkdir -p $(BUILD)/t
	$(CC) $(UC_CFLAGS) -It/unit $(BACKEND_INC) -o $@ $< \
	    backend/store/store_sql.c

$(BUILD)/t/cert_config.t: t/unit/cert_config.c t/unit/tap.h $(IDS_SRC) \
                          $(BACKEND_HDR) $(LIBUC_SRC) $(LIBUC_HDR)
	@mkdir -p $(BUILD)/t
	$(CC) $(UC_CFLAGS) -pthread -It/unit $(BACKEND_INC) -o $@ $< \
	    $(filter-out backend/core/ids.c,$(IDS_SRC)) $(LIBUC_SRC) \
	    -ljansson -lhiredis -lcrypto -lcurl

$(BUILD)/t/%.t: t/unit/%.c t/unit/tap.h $(LIBUC_SRC) $(LIBUC_HDR)
	@mkdir -p $(BUILD)/t
	$(CC) $(UC_CFLAGS) -It/unit -o $@ $< $(LIBUC_SRC) -ljansson -lcrypto

STORE ?= sqlite

run: deps build
	@STORE=$(STORE) tools/run.sh start

stop:
	@tools/run.sh stop

test: deps build fuzz-build
	@tools/test.sh

# ------------------------------------------------------------ fuzzing
#
# One libFuzzer target per parser of untrusted input (t/fuzz/*.c), built
# with clang, AddressSanitizer and UBSan. make test replays each saved
# corpus once (tools/test.sh), so a crash fixed stays fixed.

FUZZ_CC      = clang-14
FUZZ_CFLAGS  = -g -O1 -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=undefined -Ilibuc $(BACKEND_INC)
FUZZ_TARGETS = token session flag pow body request names
FUZZ_BINS    = $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 300
FUZZ_BACKEND = backend/core/validate.c backend/core/log.c

fuzz-build: $(FUZZ_BINS)

$(BUILD)/fuzz/%: t/fuzz/%.c $(LIBUC_SRC) $(LIBUC_HDR) $(FUZZ_BACKEND) \
                 $(BACKEND_HDR)
	@mkdir -p $(BUILD)/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(LIBUC_SRC) $(FUZZ_BACKEND) \
	    -ljansson -lcrypto

fuzz: deps fuzz-build
	@tools/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The same suites with the module built with AddressSanitizer and loaded
# into the stock nginx through LD_PRELOAD (nginx itself is not rebuilt).
ASAN_DIR = $(BUILD)/nginx-asan
test-asan: deps build
	@UC_MODULE_CFLAGS="-fsanitize=address -fno-omit-frame-pointer" \
	    tools/build-module.sh $(ASAN_DIR)
	@printf '#!/bin/sh\nexport LD_PRELOAD=%s\nexport ASAN_OPTIONS=detect_leaks=0:quarantine_size_mb=1:log_path=%s/asan\nexec /usr/sbin/nginx "$$@"\n' \
	    "$$($(CC) -print-file-name=libasan.so)" "$(ASAN_DIR)" > $(ASAN_DIR)/nginx
	@chmod +x $(ASAN_DIR)/nginx
	@rm -f $(ASAN_DIR)/asan.*
	@UC_MODULE=$(ASAN_DIR)/ngx_http_usercenter_module.so \
	    TEST_NGINX_BINARY=$(ASAN_DIR)/nginx UC_ASAN_LOG=$(ASAN_DIR)/asan \
	    tools/test.sh

$(BUILD)/argon2rate: tools/bench/argon2rate.c
	$(CC) $(UC_CFLAGS) -pthread -o $@ $< -largon2

bench: deps build $(BUILD)/argon2rate $(OCR_QUALITY)
	@tools/bench/bench.sh

clean:
	rm -rf $(BUILD)

# recognition's quality on generated documents (issue 14): the generator
# (t/ocr/, FreeType, Debian's fonts) and the scorer beside the plain
# tesseract command; make ocr-quality OCR_COUNT=300 OCR_SEED=14

$(DOCGEN): $(DOCGEN_SRC) t/ocr/docgen.h libuc/uc_cn.h
	@mkdir -p $(BUILD)
	$(CC) $(UC_CFLAGS) -pthread $$(pkg-config --cflags freetype2) -o $@ \
	    $(DOCGEN_SRC) $$(pkg-config --libs freetype2) -llept -ljansson -lm

$(OCR_QUALITY): tools/ocr_quality.c $(OCR_CORE) $(wildcard backend/ocr/*.h)
	@mkdir -p $(BUILD)
	$(CC) $(UC_CFLAGS) $(BACKEND_INC) -o $@ tools/ocr_quality.c $(OCR_CORE) \
	    -ltesseract -llept -ljansson -lm

.PHONY: ocr-quality
ocr-quality: deps $(DOCGEN) $(OCR_QUALITY)
	@rm -rf $(BUILD)/ocr-set
	$(DOCGEN) --out $(BUILD)/ocr-set --count $(OCR_COUNT) --seed $(OCR_SEED)
	$(OCR_QUALITY) --baseline-every $${OCR_BASELINE_EVERY:-1} $(BUILD)/ocr-set
