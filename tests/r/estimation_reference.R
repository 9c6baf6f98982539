#!/usr/bin/env Rscript
# Reference values for survey estimation, computed with R's survey package (4.1.1 at the time of writing).
#
# Usage: Rscript tests/r/estimation_reference.R [OUTPUT_DIR]
#   OUTPUT_DIR defaults to tests/r/reference/estimation next to this script. It receives
#   data/*.csv (the input data, exported here and read back so that R and Python see identical values),
#   cases.csv (one row per reference value) and GENERATED_BY.txt (R and survey versions).
#
# Semantics, matching survey/estimate.py: the base of a target in a domain is the design subset to the
# domain's rows where the variable is not missing, as subset(design, domain & !is.na(y)); R keeps the full
# design's PSU counts in a subset, which is full-design domain variance. Proportions use svyciprop
# (method = "logit" or "beta", df = degf(subset)) or confint(svymean()) for "wald" (normal quantile).
# "wilson" has no survey-package peer: its bounds are the Wilson score formula evaluated here with
# n_effective = nrow(subset) / deff, deff from svymean(deff = "replace").

suppressPackageStartupMessages(library(survey))

script_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
script_dir <- if (length(script_arg)) dirname(normalizePath(sub("^--file=", "", script_arg[1]))) else "tests/r"
args <- commandArgs(trailingOnly = TRUE)
out_dir <- if (length(args)) args[1] else file.path(script_dir, "reference", "estimation")
data_dir <- file.path(out_dir, "data")
dir.create(data_dir, recursive = TRUE, showWarnings = FALSE)

num17 <- function(x) ifelse(is.na(x), "", sprintf("%.17g", x))

# ---------------------------------------------------------------------------------------------------------
# Data: R's api samples (columns used here) and a synthetic stratified cluster sample.
# ---------------------------------------------------------------------------------------------------------
data(api)

with_fraction <- function(d, strata, psu, popsize) {
  # Sampling fraction of PSUs per stratum, n_h / N_h, for the "fpc as fractions" designs.
  s <- if (is.null(strata)) rep("all", nrow(d)) else as.character(d[[strata]])
  p <- if (is.null(psu)) seq_len(nrow(d)) else paste(s, d[[psu]])
  n_h <- tapply(p, s, function(v) length(unique(v)))
  d$fpc_frac <- as.numeric(n_h[s]) / d[[popsize]]
  d
}

apistrat_out <- with_fraction(
  apistrat[, c("snum", "stype", "pw", "fpc", "api00", "sch.wide", "awards", "acs.k3", "meals")],
  "stype", NULL, "fpc"
)
# A domain that crosses the strata: percentage of pupils eligible for subsidised meals, in three bands.
apistrat_out$meals_band <- as.character(cut(apistrat_out$meals, c(-1, 33, 66, 101),
                                            labels = c("low", "mid", "high")))
apiclus1_out <- with_fraction(
  apiclus1[, c("dnum", "snum", "stype", "pw", "fpc", "api00", "sch.wide", "awards", "acs.46", "avg.ed")],
  NULL, "dnum", "fpc"
)
# apiclus2 is a two-stage sample; only its first stage (districts) is used, as an ultimate-cluster design.
apiclus2_out <- apiclus2[, c("dnum", "snum", "stype", "pw", "fpc1", "enroll", "awards")]
apiclus2_out$fpc1 <- as.numeric(apiclus2_out$fpc1)

make_synthetic <- function() {
  set.seed(20080901)
  strata <- data.frame(
    stratum = c("A", "B", "C", "D", "E", "F"),
    n_psu = c(3, 4, 2, 5, 1, 3),    # E has a single PSU: the lonely-PSU stratum
    N_psu = c(10, 20, 8, 30, 3, 3)  # F is a census of its PSUs (fpc factor 0)
  )
  rows <- list()
  for (h in seq_len(nrow(strata))) {
    s <- strata$stratum[h]
    for (j in seq_len(strata$n_psu[h])) {
      m <- sample(5:11, 1)
      psu_effect <- rnorm(1, 0, 0.6)
      # "east" never occurs in strata A, B and E, and not in the second PSU of C (a domain met by one PSU).
      no_east <- s %in% c("A", "B", "E") || (s == "C" && j == 2)
      region <- if (no_east) sample(c("north", "south"), m, replace = TRUE)
                else sample(c("north", "south", "east"), m, replace = TRUE, prob = c(0.4, 0.35, 0.25))
      income <- round(rnorm(m, 25000 + 2500 * h + 4000 * psu_effect, 7000), 2)
      income[runif(m) < 0.1] <- NA
      p_safe <- plogis(c(0.8, 0, -0.6, -1.5) + c(psu_effect, 0, 0, -psu_effect))
      safe <- sample(1:4, m, replace = TRUE, prob = p_safe / sum(p_safe))
      safe[runif(m) < 0.06] <- NA
      agree <- rbinom(m, 1, plogis(-0.3 + psu_effect + 0.1 * h))
      agree[runif(m) < 0.05] <- NA
      if (s == "E") agree[] <- NA  # a variable whose base never reaches the lonely stratum
      weight <- round(strata$N_psu[h] / strata$n_psu[h] * runif(m, 8, 14), 4)
      rows[[length(rows) + 1]] <- data.frame(
        stratum = s, psu = j, weight = weight, fpc_n = strata$N_psu[h],
        fpc_frac = strata$n_psu[h] / strata$N_psu[h], region = region,
        sex = sample(1:2, m, replace = TRUE), income = income, safe = safe, agree = agree
      )
    }
  }
  do.call(rbind, rows)
}

exported <- list(
  apistrat = apistrat_out, apiclus1 = apiclus1_out, apiclus2 = apiclus2_out, synthetic = make_synthetic()
)
datasets <- list()
for (name in names(exported)) {
  path <- file.path(data_dir, paste0(name, ".csv"))
  write.csv(exported[[name]], path, row.names = FALSE)
  # Read back, so that the references are computed from exactly what Python reads.
  datasets[[name]] <- read.csv(path, stringsAsFactors = FALSE, check.names = FALSE)
}

# ---------------------------------------------------------------------------------------------------------
# Designs and cases.
# ---------------------------------------------------------------------------------------------------------
design_specs <- list(
  apistrat_strat_fpc_popsize = list(dataset = "apistrat", weight = "pw", strata = "stype", psu = NA, fpc = "fpc"),
  apistrat_strat_fpc_fraction = list(dataset = "apistrat", weight = "pw", strata = "stype", psu = NA,
                                     fpc = "fpc_frac"),
  apistrat_strat_nofpc = list(dataset = "apistrat", weight = "pw", strata = "stype", psu = NA, fpc = NA),
  apiclus1_cluster_fpc_popsize = list(dataset = "apiclus1", weight = "pw", strata = NA, psu = "dnum", fpc = "fpc"),
  apiclus1_cluster_fpc_fraction = list(dataset = "apiclus1", weight = "pw", strata = NA, psu = "dnum",
                                       fpc = "fpc_frac"),
  apiclus2_stage1_fpc_popsize = list(dataset = "apiclus2", weight = "pw", strata = NA, psu = "dnum", fpc = "fpc1"),
  synthetic_stratclus_fpc_popsize = list(dataset = "synthetic", weight = "weight", strata = "stratum",
                                         psu = "psu", fpc = "fpc_n"),
  synthetic_stratclus_fpc_fraction = list(dataset = "synthetic", weight = "weight", strata = "stratum",
                                          psu = "psu", fpc = "fpc_frac"),
  synthetic_stratclus_nofpc = list(dataset = "synthetic", weight = "weight", strata = "stratum", psu = "psu",
                                   fpc = NA)
)

build_design <- function(spec, data) {
  f <- function(col) if (is.na(col)) NULL else as.formula(paste0("~`", col, "`"))
  svydesign(
    ids = if (is.na(spec$psu)) ~1 else f(spec$psu), strata = f(spec$strata), weights = f(spec$weight),
    fpc = f(spec$fpc), nest = TRUE, data = data
  )
}

wilson_bounds <- function(p, n_eff, level) {
  z <- qnorm(0.5 + level / 2)
  denom <- 1 + z^2 / n_eff
  centre <- (p + z^2 / (2 * n_eff)) / denom
  half <- z * sqrt(p * (1 - p) / n_eff + z^2 / (4 * n_eff^2)) / denom
  c(centre - half, centre + half)
}

# One reference value. kind: "mean" or "proportion"; domain_column NA for the whole sample;
# via: "subset" (svymean/svyciprop on the subset design) or "svyby" (svyby over the domain column).
run_case <- function(design_id, lonely, kind, variable, value, domain_column, domain_value, ci, level, via) {
  spec <- design_specs[[design_id]]
  data <- datasets[[spec$dataset]]
  y <- data[[variable]]
  data$target_value <- if (kind == "mean") as.numeric(y) else as.numeric(as.character(y) == value)
  in_domain <- if (is.na(domain_column)) rep(TRUE, nrow(data)) else as.character(data[[domain_column]]) == domain_value
  options(survey.lonely.psu = lonely)
  result <- list(estimate = NA, se = NA, ci_lower = NA, ci_upper = NA, df = NA, n = NA, deff = NA, error = "")
  warnings <- character(0)
  outcome <- withCallingHandlers(tryCatch({
    design <- build_design(spec, data)
    base <- in_domain & !is.na(data$target_value)
    if (!any(base)) stop("empty base")  # empty domains are a bad-input case, tested elsewhere
    sub <- subset(design, base)
    if (via == "svyby") {
      by_formula <- as.formula(paste0("~`", domain_column, "`"))
      by_est <- svyby(~target_value, by_formula, design, svymean, na.rm = TRUE, deff = "replace",
                      keep.names = FALSE)
      row <- which(as.character(by_est[[domain_column]]) == domain_value)
      bounds <- confint(by_est, level = level)[row, ]
      result$estimate <- coef(by_est)[row]
      result$se <- SE(by_est)[row]
      result$deff <- by_est[row, "DEff.target_value"]  # deff() on an svyby object fails in survey 4.1.1
    } else {
      m <- svymean(~target_value, sub, deff = "replace")
      result$estimate <- coef(m)[1]
      result$se <- SE(m)[1]
      result$deff <- deff(m)[1]
      bounds <- switch(ci,
        wald = confint(m, level = level)[1, ],
        logit = attr(svyciprop(~target_value, sub, method = "logit", level = level), "ci"),
        "korn-graubard" = attr(svyciprop(~target_value, sub, method = "beta", level = level), "ci"),
        wilson = wilson_bounds(coef(m)[1], nrow(sub) / deff(m)[1], level)
      )
    }
    result$ci_lower <- bounds[1]
    result$ci_upper <- bounds[2]
    result$df <- degf(sub)
    result$n <- nrow(sub)
    result
  }, error = function(e) {
    result$error <- gsub("[\r\n,\"]", " ", conditionMessage(e))
    result
  }), warning = function(w) {
    warnings <<- c(warnings, gsub("[\r\n,\"]", " ", conditionMessage(w)))
    invokeRestart("muffleWarning")
  })
  data.frame(
    case_id = paste(design_id, paste0("lonely=", lonely),
                    if (kind == "mean") paste0("mean:", variable) else paste0("proportion:", variable, "=", value),
                    if (is.na(domain_column)) "all" else paste0(domain_column, "=", domain_value),
                    ci, paste0("level=", level), via, sep = "/"),
    dataset = spec$dataset, weight = spec$weight, strata = spec$strata, psu = spec$psu, fpc = spec$fpc,
    lonely_psu = lonely, kind = kind, variable = variable, value = value,
    domain_column = domain_column, domain_value = domain_value, ci_method = ci, level = level, via = via,
    estimate = outcome$estimate, se = outcome$se, ci_lower = outcome$ci_lower, ci_upper = outcome$ci_upper,
    df = outcome$df, n = outcome$n, deff = outcome$deff, error = outcome$error,
    r_warning = paste(unique(warnings), collapse = "; "),
    stringsAsFactors = FALSE
  )
}

cases <- list()
add <- function(...) {
  row <- run_case(...)
  if (row$error != "empty base") cases[[length(cases) + 1]] <<- row
}

domain_levels <- function(design_id, column) {
  sort(unique(as.character(datasets[[design_specs[[design_id]]$dataset]][[column]])))
}

# targets: list of c(kind, variable, value); domains: NA for the whole sample or column names.
add_grid <- function(design_id, lonely, targets, domains, ci_methods, level = 0.95) {
  for (t in targets) {
    for (domain_column in domains) {
      values <- if (is.na(domain_column)) NA else domain_levels(design_id, domain_column)
      for (domain_value in values) {
        methods <- if (t[1] == "mean") "wald" else ci_methods
        for (ci in methods) add(design_id, lonely, t[1], t[2], t[3], domain_column, domain_value, ci, level, "subset")
      }
    }
  }
}

all_ci <- c("logit", "wald", "korn-graubard", "wilson")

# Stratified, fpc as population sizes (and as fractions, and without fpc); domains equal to strata
# (so missing from the other strata) and domains crossing strata; means with missing values.
add_grid("apistrat_strat_fpc_popsize", "fail",
         list(c("mean", "api00", NA), c("mean", "acs.k3", NA), c("proportion", "sch.wide", "Yes"),
              c("proportion", "awards", "No")),
         c(NA, "stype", "meals_band"), all_ci)
for (d in c("apistrat_strat_fpc_fraction", "apistrat_strat_nofpc")) {
  add_grid(d, "fail", list(c("mean", "acs.k3", NA), c("proportion", "sch.wide", "Yes")), c(NA, "stype"),
           c("logit", "korn-graubard"))
}

# One-stage cluster with fpc.
add_grid("apiclus1_cluster_fpc_popsize", "fail",
         list(c("mean", "api00", NA), c("mean", "acs.46", NA), c("proportion", "sch.wide", "Yes"),
              c("proportion", "awards", "Yes")),
         c(NA, "stype"), all_ci)
add_grid("apiclus1_cluster_fpc_fraction", "fail", list(c("mean", "avg.ed", NA), c("proportion", "awards", "Yes")),
         c(NA, "stype"), c("logit", "wald"))
add_grid("apiclus2_stage1_fpc_popsize", "fail",
         list(c("mean", "enroll", NA), c("proportion", "awards", "Yes")), c(NA, "stype"), all_ci)

# A confidence level other than 0.95, once per method.
add_grid("apiclus1_cluster_fpc_popsize", "fail", list(c("mean", "api00", NA), c("proportion", "sch.wide", "Yes")),
         c(NA, "stype"), all_ci, level = 0.9)

# Domains through svyby, which must agree with the subset route.
for (v in list(c("mean", "api00", NA), c("proportion", "sch.wide", "Yes"))) {
  for (lv in domain_levels("apiclus1_cluster_fpc_popsize", "stype")) {
    add("apiclus1_cluster_fpc_popsize", "fail", v[1], v[2], v[3], "stype", lv, "wald", 0.95, "svyby")
  }
  for (lv in domain_levels("apistrat_strat_fpc_popsize", "meals_band")) {
    add("apistrat_strat_fpc_popsize", "fail", v[1], v[2], v[3], "meals_band", lv, "wald", 0.95, "svyby")
  }
}

# Stratified cluster sample with a lonely-PSU stratum, under every lonely-PSU option. "fail" errors for
# estimates whose base reaches stratum E and succeeds for those that do not (region east, agree).
synthetic_targets <- list(c("mean", "income", NA), c("proportion", "safe", "1"), c("proportion", "agree", "1"))
for (lonely in c("fail", "adjust", "average", "certainty", "remove")) {
  add_grid("synthetic_stratclus_fpc_popsize", lonely, synthetic_targets, c(NA, "region", "sex"),
           c("logit", "korn-graubard"))
}
add_grid("synthetic_stratclus_fpc_popsize", "adjust", list(c("proportion", "safe", "4")), c(NA, "region"),
         c("wald", "wilson"))
for (lonely in c("adjust", "average", "certainty", "remove")) {
  add_grid("synthetic_stratclus_fpc_fraction", lonely, synthetic_targets[1:2], c(NA, "region"), c("logit"))
  add_grid("synthetic_stratclus_nofpc", lonely, synthetic_targets, c(NA, "region"), c("logit", "wald"))
}
for (lv in domain_levels("synthetic_stratclus_nofpc", "region")) {
  add("synthetic_stratclus_nofpc", "adjust", "mean", "income", NA, "region", lv, "wald", 0.95, "svyby")
}

table <- do.call(rbind, cases)
stopifnot(!anyDuplicated(table$case_id))
numeric_columns <- c("estimate", "se", "ci_lower", "ci_upper", "df", "n", "deff")
for (col in numeric_columns) table[[col]] <- num17(table[[col]])
text_columns <- which(!names(table) %in% c(numeric_columns, "level"))
write.csv(table, file.path(out_dir, "cases.csv"), row.names = FALSE, na = "", quote = text_columns)
writeLines(
  c(paste("Generated by tests/r/estimation_reference.R with", R.version.string),
    paste("survey package", as.character(packageVersion("survey")))),
  file.path(out_dir, "GENERATED_BY.txt")
)
cat("wrote", nrow(table), "cases to", file.path(out_dir, "cases.csv"), "\n")
