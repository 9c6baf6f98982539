#!/usr/bin/env Rscript
# Reference values for weighting, computed with R's survey package (4.1.1 at the time of writing).
#
# Usage: Rscript tests/r/weighting_reference.R [OUTPUT_DIR]
#   OUTPUT_DIR defaults to tests/r/reference/weighting next to this script. It receives
#   data/*.csv (input data and control totals, exported and read back so R and Python see identical values),
#   weights/<case>.csv (final weights, one per data row, in data order), replicates/*.csv (bootstrap
#   replicate factors drawn by R, which Python cannot redraw), values.csv (one row per reference number:
#   case, statistic, variable, domain, value) and GENERATED_BY.txt.
#
# Cases:
#   rake_*            rake() iterated to a tight tolerance: the raking fixed point (weights only; rake()'s
#                     own SEs are an approximation, see shared R-PARITY notes, so they are not references).
#   cal_*             calibrate(calfun = raking | linear | logit, bounds) with R's defaults: weights and
#                     svymean / svyby SEs (residual method).
#   trim_*            trimWeights() after calibrate(): weights and SEs.
#   jk1_*, jkn_*      as.svrepdesign(type = "JK1" | "JKn"), then calibrate(): replicate SEs and degf.
#   boot_*            as.svrepdesign(type = "bootstrap") factors saved, then calibrate(): replicate SEs.
#   la_*              per-authority calibration: a design stratified by authority calibrated on
#                     ~la + la:age + la:sex + la:eth (each authority to its own totals), and authority-by-
#                     authority calibrate() with logit bounds on each authority's own design.

suppressPackageStartupMessages(library(survey))

script_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
script_dir <- if (length(script_arg)) dirname(normalizePath(sub("^--file=", "", script_arg[1]))) else "tests/r"
args <- commandArgs(trailingOnly = TRUE)
out_dir <- if (length(args)) args[1] else file.path(script_dir, "reference", "weighting")
for (sub in c("data", "weights", "replicates")) dir.create(file.path(out_dir, sub), recursive = TRUE, showWarnings = FALSE)

num17 <- function(x) ifelse(is.na(x), "", sprintf("%.17g", x))
values <- list()
add <- function(case, statistic, variable, domain, value) {
  values[[length(values) + 1]] <<- data.frame(case = case, statistic = statistic, variable = variable,
                                              domain = domain, value = num17(as.numeric(value)))
}
save_weights <- function(case, w) {
  write.csv(data.frame(weight = num17(as.numeric(w))), file.path(out_dir, "weights", paste0(case, ".csv")),
            row.names = FALSE, quote = FALSE)
}
roundtrip <- function(frame, name) {
  path <- file.path(out_dir, "data", paste0(name, ".csv"))
  write.csv(frame, path, row.names = FALSE, na = "")
  read.csv(path, stringsAsFactors = FALSE, na.strings = "")
}
as_factors <- function(frame, levels) {
  for (v in names(levels)) frame[[v]] <- factor(frame[[v]], levels = levels[[v]])
  frame
}
totals_vector <- function(formula, controls, levels) {
  # Population totals of the model-matrix columns, from margins: pseudo-rows with signed weights such that
  # each margin's category totals and the grand total come out right.
  vars <- names(levels)
  ref <- lapply(levels, function(l) l[1])
  rows <- list()
  groups <- if ("la" %in% names(controls)) unique(controls$la) else NA
  for (g in groups) {
    block <- if (is.na(g)) controls else controls[controls$la == g, ]
    grand <- sum(block$total[block$variable == vars[1]])
    base <- as.data.frame(ref, stringsAsFactors = FALSE)
    rows[[length(rows) + 1]] <- cbind(base, wt = grand, la = g)
    for (v in vars) {
      for (k in levels[[v]][-1]) {
        t <- block$total[block$variable == v & block$category == k]
        if (length(t) == 0) t <- 0
        row <- base; row[[v]] <- k
        rows[[length(rows) + 1]] <- cbind(row, wt = t, la = g)
        rows[[length(rows) + 1]] <- cbind(base, wt = -t, la = g)
      }
    }
  }
  pseudo <- do.call(rbind, rows)
  pseudo <- as_factors(pseudo, levels)
  if (!all(is.na(groups))) pseudo$la <- factor(pseudo$la, levels = groups)
  colSums(model.matrix(formula, pseudo) * pseudo$wt)
}
margins_list <- function(controls, levels) {
  lapply(names(levels), function(v) {
    block <- controls[controls$variable == v, ]
    tab <- data.frame(factor(block$category, levels = levels[[v]]), Freq = block$total)
    names(tab)[1] <- v
    tab
  })
}
mean_ses <- function(case, design, variables) {
  for (v in variables) {
    # na.rm = TRUE: rows missing v leave the base (zero weight in a calibrated design, as R's subset does).
    m <- svymean(as.formula(paste0("~", v)), design, na.rm = TRUE)
    add(case, "mean", v, "all", coef(m))
    add(case, "se", v, "all", SE(m))
  }
}
domain_ses <- function(case, design, variable, by) {
  f <- as.formula(paste0("~", variable))
  b <- svyby(f, as.formula(paste0("~", by)), design, svymean, na.rm = TRUE)
  for (i in seq_len(nrow(b))) {
    add(case, "mean", variable, paste0(by, "=", b[[by]][i]), b[[variable]][i])
    add(case, "se", variable, paste0(by, "=", b[[by]][i]), SE(b)[i])
  }
}

set.seed(20240311)

# ---------------------------------------------------------------------------------------------------------
# 1. A national sample: unequal base weights, three margins, no clustering.
# ---------------------------------------------------------------------------------------------------------
n <- 400
national <- data.frame(
  id = seq_len(n),
  age = sample(c("16-34", "35-54", "55-74", "75+"), n, TRUE, prob = c(.18, .30, .32, .20)),
  sex = sample(c("Male", "Female"), n, TRUE, prob = c(.44, .56)),
  region = sample(c("North", "Midlands", "South"), n, TRUE, prob = c(.3, .3, .4)),
  w = round(runif(n, 80, 220), 2)
)
national$y1 <- as.integer(runif(n) < plogis(-0.6 + 0.5 * (national$age == "75+") + 0.4 * (national$sex == "Female")))
national$y2 <- round(rnorm(n, 10 + 2 * (national$region == "South") - (national$age == "16-34"), 3), 3)
national$y3 <- ifelse(runif(n) < 0.12, NA, as.integer(runif(n) < 0.3 + 0.2 * (national$region == "North")))
national <- roundtrip(national, "national")
nat_levels <- list(age = c("16-34", "35-54", "55-74", "75+"), sex = c("Male", "Female"),
                   region = c("North", "Midlands", "South"))
nat_controls <- data.frame(
  variable = c(rep("age", 4), rep("sex", 2), rep("region", 3)),
  category = c(nat_levels$age, nat_levels$sex, nat_levels$region),
  total = c(16000, 19500, 16500, 8000, 29000, 31000, 19000, 18000, 23000)
)
nat_controls <- roundtrip(nat_controls, "national_controls")
national <- as_factors(national, nat_levels)
nat_design <- svydesign(ids = ~1, weights = ~w, data = national)
nat_formula <- ~age + sex + region
nat_pop <- totals_vector(nat_formula, nat_controls, nat_levels)

raked <- rake(nat_design, list(~age, ~sex, ~region), margins_list(nat_controls, nat_levels),
              control = list(maxit = 500, epsilon = 1e-14))
save_weights("rake_national", weights(raked))

cal <- list(
  cal_raking = calibrate(nat_design, nat_formula, nat_pop, calfun = "raking"),
  cal_linear = calibrate(nat_design, nat_formula, nat_pop, calfun = "linear"),
  cal_logit = calibrate(nat_design, nat_formula, nat_pop, calfun = "logit", bounds = c(0.55, 1.75)),
  cal_linear_bounded = calibrate(nat_design, nat_formula, nat_pop, calfun = "linear", bounds = c(0.55, 1.75)),
  cal_raking_bounded = calibrate(nat_design, nat_formula, nat_pop, calfun = "raking", bounds = c(0.55, 1.75))
)
cal$trim_raking <- trimWeights(cal$cal_raking, upper = 300)
cal$trim_raking_strict <- trimWeights(cal$cal_raking, upper = 280, lower = 110, strict = TRUE)
for (case in names(cal)) {
  save_weights(case, weights(cal[[case]]))
  mean_ses(case, cal[[case]], c("y1", "y2", "y3"))
  domain_ses(case, cal[[case]], "y1", "sex")
  domain_ses(case, cal[[case]], "y2", "region")
}
save_weights("trim_base", weights(trimWeights(nat_design, upper = 200, lower = 90)))

# ---------------------------------------------------------------------------------------------------------
# 2. Clustered samples: replicate weights (JK1 unstratified, JKn stratified, bootstrap), then calibrate().
# ---------------------------------------------------------------------------------------------------------
n_psu <- 24
per <- 12
clustered <- data.frame(
  stratum = rep(c("S1", "S2", "S3", "S4"), each = n_psu / 4 * per),
  psu = rep(sprintf("P%02d", seq_len(n_psu)), each = per),
  age = sample(c("16-34", "35-54", "55+"), n_psu * per, TRUE),
  sex = sample(c("Male", "Female"), n_psu * per, TRUE),
  w = rep(round(runif(n_psu, 20, 60), 1), each = per)
)
cluster_effect <- rep(rnorm(n_psu, 0, 0.6), each = per)
clustered$y1 <- as.integer(runif(nrow(clustered)) < plogis(-0.3 + cluster_effect + 0.3 * (clustered$sex == "Female")))
clustered$y2 <- round(5 + 2 * cluster_effect + rnorm(nrow(clustered)), 3)
clustered <- roundtrip(clustered, "clustered")
cl_levels <- list(age = c("16-34", "35-54", "55+"), sex = c("Male", "Female"))
cl_controls <- data.frame(variable = c("age", "age", "age", "sex", "sex"),
                          category = c(cl_levels$age, cl_levels$sex),
                          total = c(3400, 4100, 4500, 5800, 6200))
cl_controls <- roundtrip(cl_controls, "clustered_controls")
clustered <- as_factors(clustered, cl_levels)
cl_formula <- ~age + sex
cl_pop <- totals_vector(cl_formula, cl_controls, cl_levels)
unstratified <- svydesign(ids = ~psu, weights = ~w, data = clustered)
stratified <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = clustered)

taylor <- list(
  clus_cal_raking_unstratified = calibrate(unstratified, cl_formula, cl_pop, calfun = "raking"),
  clus_cal_raking_stratified = calibrate(stratified, cl_formula, cl_pop, calfun = "raking")
)
for (case in names(taylor)) {
  save_weights(case, weights(taylor[[case]]))
  mean_ses(case, taylor[[case]], c("y1", "y2"))
}

replicate_cases <- list(
  jk1_raking = list(as.svrepdesign(unstratified, type = "JK1"), "raking", c(-Inf, Inf)),
  jk1_none = list(as.svrepdesign(unstratified, type = "JK1"), NA, NA),
  jkn_raking = list(as.svrepdesign(stratified, type = "JKn"), "raking", c(-Inf, Inf)),
  jkn_linear = list(as.svrepdesign(stratified, type = "JKn"), "linear", c(-Inf, Inf)),
  jkn_logit = list(as.svrepdesign(stratified, type = "JKn"), "logit", c(0.5, 2))
)
set.seed(99)
boot <- as.svrepdesign(stratified, type = "bootstrap", replicates = 40)
factors <- boot$repweights$weights[boot$repweights$index, ]
write.csv(format(factors, digits = 17), file.path(out_dir, "replicates", "bootstrap_factors.csv"), row.names = FALSE,
          quote = FALSE)
replicate_cases$boot_raking <- list(boot, "raking", c(-Inf, Inf))
for (case in names(replicate_cases)) {
  spec <- replicate_cases[[case]]
  design <- spec[[1]]
  if (!is.na(spec[[2]])) design <- calibrate(design, cl_formula, cl_pop, calfun = spec[[2]], bounds = spec[[3]])
  add(case, "degf", "", "all", degf(design))
  add(case, "scale", "", "all", design$scale)
  save_weights(case, weights(design, "sampling"))
  for (v in c("y1", "y2")) {
    m <- svymean(as.formula(paste0("~", v)), design)
    add(case, "mean", v, "all", coef(m))
    add(case, "se", v, "all", SE(m))
  }
  b <- svyby(~y1, ~sex, design, svymean)
  for (i in seq_len(nrow(b))) {
    add(case, "mean", "y1", paste0("sex=", b$sex[i]), b$y1[i])
    add(case, "se", "y1", paste0("sex=", b$sex[i]), SE(b)[i])
  }
}

# ---------------------------------------------------------------------------------------------------------
# 3. Per-authority calibration: a Place-Survey-like postal sample, equal base weights, authority = stratum.
# ---------------------------------------------------------------------------------------------------------
las <- c("E06000001", "E06000002", "E07000010", "E08000021", "E09000033")
per_la <- 220
place <- data.frame(
  la = rep(las, each = per_la),
  age = sample(c("16-24", "25-34", "35-44", "45-54", "55-64", "65+"), per_la * length(las), TRUE,
               prob = c(.06, .10, .15, .18, .21, .30)),
  sex = sample(c("Male", "Female"), per_la * length(las), TRUE, prob = c(.42, .58)),
  eth = sample(c("White", "Other"), per_la * length(las), TRUE, prob = c(.86, .14)),
  w = 1
)
place$y1 <- as.integer(runif(nrow(place)) < plogis(-1 + 0.25 * as.integer(factor(place$age)) / 2 - 0.3 * (place$sex == "Male")))
place$y2 <- ifelse(runif(nrow(place)) < 0.08, NA, as.integer(runif(nrow(place)) < 0.4))
place <- roundtrip(place, "place")
pl_levels <- list(age = c("16-24", "25-34", "35-44", "45-54", "55-64", "65+"), sex = c("Male", "Female"),
                  eth = c("White", "Other"))
pl_rows <- list()
for (i in seq_along(las)) {
  N <- 80000 + 15000 * i
  age_share <- c(.15, .17, .17, .17, .15, .19)
  eth_share <- c(.80 - .03 * i, .20 + .03 * i)
  pl_rows[[i]] <- data.frame(la = las[i], variable = c(rep("age", 6), rep("sex", 2), rep("eth", 2)),
                             category = c(pl_levels$age, pl_levels$sex, pl_levels$eth),
                             total = round(N * c(age_share, .49, .51, eth_share)))
  # Rounded shares must still add to N within each margin.
  block <- pl_rows[[i]]
  for (v in c("age", "sex", "eth")) {
    rows <- which(block$variable == v)
    block$total[rows[1]] <- block$total[rows[1]] + N - sum(block$total[rows])
  }
  pl_rows[[i]] <- block
}
pl_controls <- roundtrip(do.call(rbind, pl_rows), "place_controls")
place <- as_factors(place, pl_levels)
place$la <- factor(place$la, levels = las)
pl_design <- svydesign(ids = ~1, strata = ~la, weights = ~w, data = place)
pl_formula <- ~la + la:age + la:sex + la:eth
pl_pop <- totals_vector(pl_formula, pl_controls, pl_levels)
la_raking <- calibrate(pl_design, pl_formula, pl_pop, calfun = "raking", epsilon = 1e-12)
save_weights("la_raking", weights(la_raking))
mean_ses("la_raking", la_raking, c("y1", "y2"))
domain_ses("la_raking", la_raking, "y1", "la")
domain_ses("la_raking", la_raking, "y2", "la")

logit_weights <- numeric(nrow(place))
rake_weights <- numeric(nrow(place))
for (a in las) {
  rows <- which(place$la == a)
  own <- svydesign(ids = ~1, weights = ~w, data = place[rows, ])
  own_controls <- pl_controls[pl_controls$la == a, ]
  own_pop <- totals_vector(~age + sex + eth, own_controls[, c("variable", "category", "total")], pl_levels)
  fitted <- calibrate(own, ~age + sex + eth, own_pop, calfun = "logit", bounds = c(0.3, 3.5))
  logit_weights[rows] <- weights(fitted)
  m <- svymean(~y1, fitted)
  add("la_logit", "se", "y1", paste0("la=", a), SE(m))
  add("la_logit", "mean", "y1", paste0("la=", a), coef(m))
  raked_la <- rake(own, list(~age, ~sex, ~eth), margins_list(own_controls, pl_levels),
                   control = list(maxit = 500, epsilon = 1e-14))
  rake_weights[rows] <- weights(raked_la)
}
save_weights("la_logit", logit_weights)
save_weights("la_rake", rake_weights)

write.csv(do.call(rbind, values), file.path(out_dir, "values.csv"), row.names = FALSE, quote = TRUE)
writeLines(c(R.version.string, paste("survey", as.character(packageVersion("survey")))),
           file.path(out_dir, "GENERATED_BY.txt"))
