#!/usr/bin/env Rscript
# Reference values for proportions estimated at exactly 0 or 1 (issue 9): R's survey package (4.1.1 here).
#
# Usage: Rscript tests/r/korn_graubard_bounds_reference.R [OUTPUT_DIR]
#   OUTPUT_DIR defaults to tests/r/reference/korn_graubard_bounds next to this script; it receives data.csv and
#   cases.csv (one row per domain and level).
#
# svyciprop(method = "beta") computes the effective sample size p (1 - p) / Var(p), which is 0 / 0 at p = 0 or
# 1, so its limits are NaN there (recorded in r_beta_lower / r_beta_upper). Korn and Graubard (1998) take the
# effective sample size to be the actual one at those points; `kg_bounds` below is svyciprop's own code with
# that one change (n.eff = nrow of the domain's subset design), which is what safer reports as
# "korn-graubard at p=0" / "at p=1". For a domain whose estimate is inside (0, 1) it equals svyciprop.

suppressPackageStartupMessages(library(survey))

script_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
script_dir <- if (length(script_arg)) dirname(normalizePath(sub("^--file=", "", script_arg[1]))) else "tests/r"
args <- commandArgs(trailingOnly = TRUE)
out_dir <- if (length(args)) args[1] else file.path(script_dir, "reference", "korn_graubard_bounds")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)
num17 <- function(x) ifelse(is.na(x), "", sprintf("%.17g", x))

set.seed(20090331)
n_psu <- c(A = 4, B = 3, C = 5)
rows <- list()
for (s in names(n_psu)) for (j in seq_len(n_psu[[s]])) {
  m <- sample(6:12, 1)
  rows[[length(rows) + 1]] <- data.frame(stratum = s, psu = j, w = round(runif(m, 5, 40), 2),
                                         area = sample(c("none", "all", "some"), m, replace = TRUE))
}
d <- do.call(rbind, rows)
# In area "none" nobody counts (p = 0); in "all" everybody does (p = 1); "some" is in between.
d$y <- ifelse(d$area == "none", 0, ifelse(d$area == "all", 1, rbinom(nrow(d), 1, 0.4)))
d$y[d$area == "some"][1:2] <- c(0, 1)
write.csv(d, file.path(out_dir, "data.csv"), row.names = FALSE)
d <- read.csv(file.path(out_dir, "data.csv"))
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)

kg_bounds <- function(design, level) {
  est <- svymean(~y, design)
  p <- coef(est)[[1]]
  n.eff <- if (p == 0 || p == 1) nrow(design) else p * (1 - p) / vcov(est)[[1]]
  alpha <- 1 - level
  n.eff <- n.eff * (qt(alpha / 2, nrow(design) - 1) / qt(alpha / 2, degf(design)))^2
  c(p, qbeta(alpha / 2, n.eff * p, n.eff * (1 - p) + 1), qbeta(1 - alpha / 2, n.eff * p + 1, n.eff * (1 - p)))
}

cases <- list()
for (level in c(0.95, 0.9)) for (a in c("none", "all", "some")) {
  sub <- subset(des, area == a)
  r_beta <- suppressWarnings(confint(svyciprop(~y, sub, method = "beta", level = level)))
  kg <- kg_bounds(sub, level)
  cases[[length(cases) + 1]] <- data.frame(
    area = a, level = level, n = nrow(sub), estimate = num17(kg[1]), ci_lower = num17(kg[2]),
    ci_upper = num17(kg[3]), r_beta_lower = num17(r_beta[1]), r_beta_upper = num17(r_beta[2])
  )
}
write.csv(do.call(rbind, cases), file.path(out_dir, "cases.csv"), row.names = FALSE)
writeLines(c(R.version.string, paste("survey", packageVersion("survey"))), file.path(out_dir, "GENERATED_BY.txt"))
