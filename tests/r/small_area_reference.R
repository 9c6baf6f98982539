#!/usr/bin/env Rscript
# Reference values for the Fay-Herriot model, computed in R with metafor (rma, blup) and, where it is installed,
# sae (eblupFH, mseFH).
#
# Usage: Rscript tests/r/small_area_reference.R [OUTPUT_DIR]
#   OUTPUT_DIR defaults to tests/r/reference/small_area next to this script. It reads data/milk.csv (the milk
#   expenditure data as samplics ships it; identical to sae's data(milk), checked below when sae is present),
#   writes data/synthetic.csv (a seeded data set with continuous covariates and unequal sampling variances),
#   cases.csv (one row per reference value) and GENERATED_BY.txt.
#
# sae is not packaged for Debian (no r-cran-sae), so CI has only metafor: its rows are always produced, sae's
# rows only where sae is installed (they were produced with sae 1.3 installed from its CRAN source).
#
# What each engine gives:
#   sae::mseFH (REML and ML, PRECISION 1e-12): refvar (A), beta, eblup, mse (Prasad-Rao / Datta-Lahiri).
#   metafor::rma (method REML / ML, the same model: a random-effects meta-regression with known variances):
#     tau2 (A) and beta; metafor::blup: pred (the EBLUP) and se, whose square is g1 + g2 (no g3 term).

suppressPackageStartupMessages(library(metafor))
has_sae <- suppressPackageStartupMessages(requireNamespace("sae", quietly = TRUE))

script_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
script_dir <- if (length(script_arg)) dirname(normalizePath(sub("^--file=", "", script_arg[1]))) else "tests/r"
args <- commandArgs(trailingOnly = TRUE)
out_dir <- if (length(args)) args[1] else file.path(script_dir, "reference", "small_area")
data_dir <- file.path(out_dir, "data")
dir.create(data_dir, recursive = TRUE, showWarnings = FALSE)
milk_file <- file.path(data_dir, "milk.csv")
if (!file.exists(milk_file)) file.copy(file.path(script_dir, "reference", "small_area", "data", "milk.csv"), milk_file)

num17 <- function(x) sprintf("%.17g", x)

milk <- read.csv(milk_file)
if (has_sae) {
  data("milk", package = "sae", envir = environment())
  sae_milk <- get("milk", envir = environment())
  stopifnot(isTRUE(all.equal(sae_milk$yi, read.csv(milk_file)$direct_est)),
            isTRUE(all.equal(sae_milk$SD, read.csv(milk_file)$std_error)),
            isTRUE(all.equal(sae_milk$MajorArea, read.csv(milk_file)$major_area)))
  milk <- read.csv(milk_file)
}
milk$y <- milk$direct_est
milk$vardir <- milk$std_error^2
milk$major <- factor(milk$major_area)

# A synthetic set: 60 areas, two continuous covariates, sampling variances spread over a factor of ten.
set.seed(20080401)
m <- 60
synthetic <- data.frame(area = seq_len(m), x1 = round(rnorm(m), 6), x2 = round(runif(m, 0, 3), 6),
                        vardir = round(0.002 * exp(runif(m, 0, log(10))), 8))
synthetic$y <- round(0.3 + 0.05 * synthetic$x1 - 0.02 * synthetic$x2 + rnorm(m, 0, sqrt(0.003)) +
                     rnorm(m, 0, sqrt(synthetic$vardir)), 8)
write.csv(synthetic, file.path(data_dir, "synthetic.csv"), row.names = FALSE)

rows <- list()
add <- function(case, method, engine, quantity, index, value) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, method = method, engine = engine, quantity = quantity,
                                          index = index, value = num17(value))
}

cases <- list(
  milk = list(data = milk, formula = y ~ major, mods = ~ major),
  synthetic = list(data = synthetic, formula = y ~ x1 + x2, mods = ~ x1 + x2)
)
for (case in names(cases)) {
  d <- cases[[case]]$data
  for (method in c("REML", "ML")) {
    fit <- rma(yi = d$y, vi = d$vardir, mods = cases[[case]]$mods, data = d, method = method,
               control = list(threshold = 1e-14, maxiter = 10000))
    add(case, method, "metafor", "area_variance", 0, fit$tau2)
    add(case, method, "metafor", "beta", seq_along(fit$beta) - 1, as.vector(fit$beta))
    b <- blup(fit)
    add(case, method, "metafor", "eblup", seq_len(nrow(d)) - 1, b$pred)
    add(case, method, "metafor", "g1_plus_g2", seq_len(nrow(d)) - 1, b$se^2)
    if (has_sae) {
      environment(cases[[case]]$formula) <- environment()
      est <- sae::mseFH(cases[[case]]$formula, vardir, method = method, PRECISION = 1e-12, MAXITER = 1000, data = d)
      add(case, method, "sae", "area_variance", 0, est$est$fit$refvar)
      add(case, method, "sae", "beta", seq_len(nrow(est$est$fit$estcoef)) - 1, est$est$fit$estcoef$beta)
      add(case, method, "sae", "eblup", seq_len(nrow(d)) - 1, as.vector(est$est$eblup))
      add(case, method, "sae", "mse", seq_len(nrow(d)) - 1, est$mse)
    }
  }
}
write.csv(do.call(rbind, rows), file.path(out_dir, "cases.csv"), row.names = FALSE, quote = FALSE)
versions <- c(R.version.string, paste("metafor", packageVersion("metafor")),
              if (has_sae) paste("sae", packageVersion("sae")) else "sae not installed")
writeLines(versions, file.path(out_dir, "GENERATED_BY.txt"))
