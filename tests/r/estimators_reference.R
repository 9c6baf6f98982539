#!/usr/bin/env Rscript
# Reference values for totals, ratios, quantiles, certainty strata and t-based change tests, computed with R's
# survey package (4.1.1 at the time of writing).
#
# Usage: Rscript tests/r/estimators_reference.R [OUTPUT_DIR]
#   OUTPUT_DIR defaults to tests/r/reference/estimators next to this script. It receives data/*.csv (the input
#   data, written here and read back so that R and Python see identical values), cases.csv (one row per value:
#   estimate, se, and where they apply lower, upper, df and p_value) and GENERATED_BY.txt.
#
# What each group of cases computes (matching survey/estimation/statistics.py, quantiles.py, strata.py and
# survey/judging/change.py):
#   total/<design>/...     svytotal(~enroll), overall and svyby(~enroll, ~stype, svytotal).
#   ratio/<design>/...     svyratio(~api00, ~api99), overall and svyby(~api00, ~stype, denominator = ~api99,
#                          svyratio).
#   quantile/<design>/...  svyquantile(~api00, quantiles = p, ci = TRUE) (qrule "math", interval.type "mean":
#                          Woodruff), overall and svyby(~api00, ~stype, svyquantile); lower and upper from
#                          confint(), se from SE() (the width over 2 t on degf of the domain's subset).
#   <design> is strat (apistrat: stratified, fpc), clus1 (apiclus1: one-stage cluster sample, fpc) or clus1cal
#   (apiclus1 calibrated by raking to the population's stype and sch.wide counts, calibrate(calfun = "raking")).
#   certainty/...          apistrat with two certainty strata added (fpc = number of PSUs: sampled in full, one
#                          of them a single PSU) under lonely.psu = "fail": svymean(~api00), svytotal(~enroll) and
#                          svymean by stype; also under "average".
#   change/...             apiclus1 (file "a") and apistrat (file "b") stacked with strata kept apart:
#                          svycontrast(svyby(~api00, ~file, svymean, covmat = TRUE), c(-1, 1)), overall and within
#                          each stype; p-values and intervals from Student's t on degf() of the design subset to
#                          the domain (df_rule domain) and of the whole design (df_rule design).
#   peers/...              six areas of apistrat (snum modulo 6) each against the mean of its group's areas,
#                          svycontrast on svyby(~api00, ~area, svymean, covmat = TRUE), tested with t on degf()
#                          of the design subset to the group's areas.

suppressPackageStartupMessages(library(survey))

script_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
script_dir <- if (length(script_arg)) dirname(normalizePath(sub("^--file=", "", script_arg[1]))) else "tests/r"
args <- commandArgs(trailingOnly = TRUE)
out_dir <- if (length(args)) args[1] else file.path(script_dir, "reference", "estimators")
data_dir <- file.path(out_dir, "data")
dir.create(data_dir, recursive = TRUE, showWarnings = FALSE)
options(survey.lonely.psu = "fail")

num17 <- function(x) ifelse(is.na(x), "", sprintf("%.17g", x))

data(api)
keep <- c("snum", "dnum", "stype", "sch.wide", "pw", "fpc", "enroll", "api00", "api99")
strat <- apistrat[, keep]
strat$area <- paste0("a", strat$snum %% 6)
clus1 <- apiclus1[, keep]
# Certainty strata: two districts' schools taken in full (fpc = PSUs sampled), one with a single school.
certain <- apistrat[1:4, keep]
certain$stype <- c("C", "C", "C", "D")
certain$fpc <- c(3, 3, 3, 1)
certain$pw <- 1
certain$snum <- certain$snum + 100000
certainty <- rbind(strat[, keep], certain)
stacked <- rbind(cbind(file = "a", clus1), cbind(file = "b", strat[, keep]))
stacked$psu <- ifelse(stacked$file == "a", paste0("a", stacked$dnum), paste0("b", stacked$snum))
stacked$stratum <- ifelse(stacked$file == "a", "a", paste0("b", stacked$stype))
population <- data.frame(variable = c("stype", "stype", "stype", "sch.wide", "sch.wide"),
                         category = c("E", "H", "M", "No", "Yes"),
                         total = c(sum(apipop$stype == "E"), sum(apipop$stype == "H"), sum(apipop$stype == "M"),
                                   sum(apipop$sch.wide == "No"), sum(apipop$sch.wide == "Yes")))
write.csv(strat, file.path(data_dir, "strat.csv"), row.names = FALSE)
write.csv(clus1, file.path(data_dir, "clus1.csv"), row.names = FALSE)
write.csv(certainty, file.path(data_dir, "certainty.csv"), row.names = FALSE)
write.csv(stacked, file.path(data_dir, "stacked.csv"), row.names = FALSE)
write.csv(population, file.path(data_dir, "population.csv"), row.names = FALSE)
strat <- read.csv(file.path(data_dir, "strat.csv"))
clus1 <- read.csv(file.path(data_dir, "clus1.csv"))
certainty <- read.csv(file.path(data_dir, "certainty.csv"))
stacked <- read.csv(file.path(data_dir, "stacked.csv"))

designs <- list(
  strat = svydesign(ids = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat),
  clus1 = svydesign(ids = ~dnum, weights = ~pw, fpc = ~fpc, data = clus1)
)
pop_totals <- c(`(Intercept)` = nrow(apipop), stypeH = sum(apipop$stype == "H"), stypeM = sum(apipop$stype == "M"),
                sch.wideYes = sum(apipop$sch.wide == "Yes"))
designs$clus1cal <- calibrate(designs$clus1, ~stype + sch.wide, pop_totals, calfun = "raking", epsilon = 1e-12,
                              maxit = 200)

cases <- list()
add <- function(id, estimate, se, lower = NA, upper = NA, df = NA, p_value = NA) {
  n <- function(x) as.numeric(x)[1]
  cases[[length(cases) + 1]] <<- data.frame(case_id = id, estimate = num17(n(estimate)), se = num17(n(se)),
                                            lower = num17(n(lower)), upper = num17(n(upper)), df = num17(n(df)),
                                            p_value = num17(n(p_value)))
}

for (name in names(designs)) {
  d <- designs[[name]]
  tot <- svytotal(~enroll, d)
  add(sprintf("total/%s/enroll/all", name), coef(tot), SE(tot))
  by_tot <- svyby(~enroll, ~stype, d, svytotal)
  for (i in seq_len(nrow(by_tot))) add(sprintf("total/%s/enroll/stype=%s", name, by_tot$stype[i]),
                                       coef(by_tot)[i], SE(by_tot)[i])
  rat <- svyratio(~api00, ~api99, d)
  add(sprintf("ratio/%s/api00/api99/all", name), coef(rat), SE(rat))
  by_rat <- svyby(~api00, ~stype, d, denominator = ~api99, svyratio)
  for (i in seq_len(nrow(by_rat))) add(sprintf("ratio/%s/api00/api99/stype=%s", name, by_rat$stype[i]),
                                       coef(by_rat)[i], SE(by_rat)[i])
  for (p in c(0.25, 0.5, 0.9)) {
    q <- svyquantile(~api00, d, quantiles = p, ci = TRUE)
    ci <- confint(q)
    add(sprintf("quantile/%s/api00/%g/all", name, p), coef(q), SE(q), ci[1], ci[2], degf(d))
    # By domain: svyby gives the estimate and SE; its confint() is Wald (coef +/- z SE), so the Woodruff limits
    # are those of svyquantile on the domain's subset, whose estimate and SE are svyby's (checked here).
    by_q <- svyby(~api00, ~stype, d, svyquantile, quantiles = p, ci = TRUE)
    for (i in seq_len(nrow(by_q))) {
      sub <- subset(d, stype == by_q$stype[i])
      q_sub <- svyquantile(~api00, sub, quantiles = p, ci = TRUE)
      stopifnot(isTRUE(all.equal(as.numeric(coef(q_sub)), as.numeric(coef(by_q)[i]))),
                as.logical(is.na(SE(q_sub))) == as.logical(is.na(SE(by_q)[i])))
      ci_sub <- confint(q_sub)
      add(sprintf("quantile/%s/api00/%g/stype=%s", name, p, by_q$stype[i]), coef(by_q)[i], SE(by_q)[i],
          ci_sub[1], ci_sub[2], degf(sub))
    }
  }
}

for (lonely in c("fail", "average")) {
  options(survey.lonely.psu = lonely)
  d <- svydesign(ids = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = certainty)
  m <- svymean(~api00, d)
  add(sprintf("certainty/%s/mean/api00/all", lonely), coef(m), SE(m))
  tot <- svytotal(~enroll, d)
  add(sprintf("certainty/%s/total/enroll/all", lonely), coef(tot), SE(tot))
  by_m <- svyby(~api00, ~stype, d, svymean)
  for (i in seq_len(nrow(by_m))) add(sprintf("certainty/%s/mean/api00/stype=%s", lonely, by_m$stype[i]),
                                     coef(by_m)[i], SE(by_m)[i])
}
options(survey.lonely.psu = "fail")

d <- svydesign(ids = ~psu, strata = ~stratum, weights = ~pw, data = stacked)
change_case <- function(id, design_subset, whole) {
  by_file <- svyby(~api00, ~file, design_subset, svymean, covmat = TRUE)
  contrast <- svycontrast(by_file, c(-1, 1))
  est <- as.numeric(coef(contrast))
  se <- as.numeric(SE(contrast))
  for (rule in c("domain", "design")) {
    df <- if (rule == "domain") degf(design_subset) else degf(whole)
    t <- qt(0.975, df)
    add(sprintf("%s/%s", id, rule), est, se, est - t * se, est + t * se, df, 2 * pt(-abs(est / se), df))
  }
}
change_case("change/api00/all", d, d)
for (s in sort(unique(stacked$stype))) change_case(sprintf("change/api00/stype=%s", s), subset(d, stype == s), d)

# Peers: six areas of apistrat (snum modulo 6, each across many schools and all three strata), each against
# the mean of its group's areas (groups: areas 0-2 and 3-5): svycontrast on svyby(~api00, ~area, svymean,
# covmat = TRUE), tested with t on degf() of the design subset to the group's areas.
d1 <- designs$strat
by_d <- svyby(~api00, ~area, d1, svymean, covmat = TRUE)
districts <- by_d$area
group_of <- as.integer(sub("a", "", districts)) %/% 3
for (i in seq_along(districts)) {
  members <- which(group_of == group_of[i])
  weights_i <- -as.numeric(seq_along(districts) %in% members) / length(members)
  weights_i[i] <- weights_i[i] + 1
  contrast <- svycontrast(by_d, weights_i)
  est <- as.numeric(coef(contrast))
  se <- as.numeric(SE(contrast))
  df <- degf(subset(d1, area %in% districts[members]))
  t <- qt(0.975, df)
  add(sprintf("peers/api00/area=%s", districts[i]), est, se, est - t * se, est + t * se, df,
      2 * pt(-abs(est / se), df))
}
peer_groups <- data.frame(area = districts, group = paste0("g", group_of))
write.csv(peer_groups, file.path(data_dir, "peer_groups.csv"), row.names = FALSE)

write.csv(do.call(rbind, cases), file.path(out_dir, "cases.csv"), row.names = FALSE, quote = FALSE)
writeLines(c(R.version.string, paste("survey", as.character(packageVersion("survey")))),
           file.path(out_dir, "GENERATED_BY.txt"))
