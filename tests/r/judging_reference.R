#!/usr/bin/env Rscript
# Reference values for judging performance (changes, peers), computed with R's survey package.
#
# Usage: Rscript tests/r/judging_reference.R [OUTPUT_DIR]
#   OUTPUT_DIR defaults to tests/r/reference/judging next to this script. It receives data/*.csv (the input
#   data, written here and read back so that R and Python see identical values), cases.csv (one row per
#   contrast: estimate and SE) and GENERATED_BY.txt.
#
# What each group of cases computes (matching survey/judging/ and survey/estimation/contrasts.py):
#   files/...       two independent files (year2008.csv, year2009.csv) stacked with rbind, strata and PSUs made
#                   distinct per file: svycontrast(svyby(~y, ~file, svymean, covmat = TRUE), c(-1, 1)), overall
#                   and within each region (svyby over interaction(file, region)).
#   files_cal/...   the same after calibrating each file to its own sex and age totals, done in R as one
#                   calibrate() of the stacked design on ~file/(sex + age) (raking), which separates by file;
#                   the change as svycontrast(svytotal(~t2009 + n2009 + t2008 + n2008), quote(t2009/n2009 -
#                   t2008/n2008)), because svyby(covmat = TRUE) fails on calibrated designs in survey 4.1.1.
#   windows/...     two overlapping date windows of one file (windows.csv), the change as the nonlinear
#                   contrast svycontrast(svytotal(~yB + inB + yA + inA, d), quote(yB/inB - yA/inA)),
#                   overall and per region (the totals then also carry the region indicator).
#   windows_cal/... the same on the file calibrated to sex and age totals (raking).
#   windows_jkn/... the same windows on a JKn replicate design: each window's replicate means
#                   (svymean(..., return.replicates = TRUE) on the window's subset), their difference per
#                   replicate, then svrVar(); and regions within one window, compared by svycontrast on
#                   svyby(..., covmat = TRUE) over the replicate design.
#   peers/...       areas that are strata (place2008.csv): svycontrast(svyby(~y, ~la, svymean, covmat = TRUE),
#                   area - mean of its group's areas); block-diagonal covmat is exact here (areas independent).
#   peers_cross/... areas crossing strata and sharing PSU strata (windows.csv, la): the same contrast written
#                   on svytotal() of y*in_la and in_la for every area, so every covariance between areas is in.
#   peers_pop/...   area minus its group's pooled mean (population-weighted peer mean), on svytotal().
#   pace/...        difference in differences on the stacked Place files (place2008.csv, place2010.csv):
#                   (area change) - (mean of the group's area changes), svycontrast on svyby over
#                   interaction(file, la) with covmat = TRUE.

suppressPackageStartupMessages(library(survey))

script_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
script_dir <- if (length(script_arg)) dirname(normalizePath(sub("^--file=", "", script_arg[1]))) else "tests/r"
args <- commandArgs(trailingOnly = TRUE)
out_dir <- if (length(args)) args[1] else file.path(script_dir, "reference", "judging")
data_dir <- file.path(out_dir, "data")
dir.create(data_dir, recursive = TRUE, showWarnings = FALSE)
options(survey.lonely.psu = "fail", survey.replicates.mse = FALSE)

# ---------------------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------------------
set.seed(20090401)

# A stratified cluster sample; areas (la) nest in strata, several per stratum; dates over `days`.
clustered_sample <- function(n_strata, shift, first_day, n_days) {
  rows <- list()
  for (h in seq_len(n_strata)) {
    n_psu <- sample(3:5, 1)
    for (j in seq_len(n_psu)) {
      m <- sample(6:10, 1)
      effect <- rnorm(1, 0, 0.5)
      la <- paste0("L", h, c("a", "b")[1 + (j %% 2)])
      region <- paste0("R", 1 + (h %% 2))
      sex <- sample(1:2, m, replace = TRUE)
      age <- sample(1:3, m, replace = TRUE)
      y <- rbinom(m, 1, plogis(-0.4 + shift + effect + 0.3 * (sex == 2) - 0.2 * age))
      y[runif(m) < 0.07] <- NA
      x <- round(rnorm(m, 50 + 10 * effect + 5 * shift, 12), 2)
      x[runif(m) < 0.05] <- NA
      day <- as.Date(first_day) + sample(0:(n_days - 1), m, replace = TRUE)
      rows[[length(rows) + 1]] <- data.frame(
        stratum = paste0("S", h), psu = j, la = la, region = region,
        weight = round(runif(m, 40, 160), 3), sex = sex, age = age, y = y, x = x,
        date = format(day, "%Y-%m-%d"), stringsAsFactors = FALSE
      )
    }
  }
  do.call(rbind, rows)
}

# A Place-like sample: each area is a stratum, every respondent their own PSU.
place_sample <- function(shift) {
  las <- paste0("E", 1:7)
  effects <- c(-0.3, 0.1, 0.4, -0.1, 0.2, 0.0, 0.3)
  rows <- list()
  for (a in seq_along(las)) {
    m <- sample(35:60, 1)
    y <- rbinom(m, 1, plogis(-0.2 + effects[a] + shift * (a %% 3)))
    y[runif(m) < 0.05] <- NA
    rows[[a]] <- data.frame(la = las[a], weight = round(runif(m, 20, 90), 3), y = y,
                            sex = sample(1:2, m, replace = TRUE), stringsAsFactors = FALSE)
  }
  do.call(rbind, rows)
}

written <- list(
  year2008 = clustered_sample(5, 0.0, "2008-04-01", 365),
  year2009 = clustered_sample(4, 0.3, "2009-04-01", 365),
  windows = clustered_sample(6, 0.1, "2008-04-01", 730),
  place2008 = place_sample(0.0),
  place2010 = place_sample(0.25)
)
datasets <- list()
for (name in names(written)) {
  path <- file.path(data_dir, paste0(name, ".csv"))
  write.csv(written[[name]], path, row.names = FALSE)
  datasets[[name]] <- read.csv(path, stringsAsFactors = FALSE)
}
groups <- data.frame(area = paste0("E", 1:7), group = c("g1", "g1", "g1", "g2", "g2", "g2", "g2"))
write.csv(groups, file.path(data_dir, "place_groups.csv"), row.names = FALSE)
cross_groups <- data.frame(area = sort(unique(datasets$windows$la)))
cross_groups$group <- ifelse(seq_len(nrow(cross_groups)) <= nrow(cross_groups) / 2, "north", "south")
write.csv(cross_groups, file.path(data_dir, "cross_groups.csv"), row.names = FALSE)

cases <- list()
add <- function(case_id, estimate, se) {
  cases[[length(cases) + 1]] <<- data.frame(case_id = case_id, estimate = as.numeric(estimate),
                                            se = as.numeric(se), stringsAsFactors = FALSE)
}
add_contrast <- function(prefix, result) {
  # svycontrast on several named contrasts: one case each.
  se <- sqrt(diag(as.matrix(vcov(result))))
  for (i in seq_along(coef(result))) add(paste0(prefix, "/", names(coef(result))[i]), coef(result)[i], se[i])
}

variables <- c("y", "x")

# ---------------------------------------------------------------------------------------------------------
# Independent files, stacked with strata and PSUs made distinct per file
# ---------------------------------------------------------------------------------------------------------
stack <- rbind(cbind(datasets$year2008, file = "year2008"), cbind(datasets$year2009, file = "year2009"))
stack$fstratum <- paste(stack$file, stack$stratum)
stack$fpsu <- paste(stack$file, stack$stratum, stack$psu)
stacked <- svydesign(ids = ~fpsu, strata = ~fstratum, weights = ~weight, data = stack)

# Population totals for calibration: each file's weighted totals, scaled by fixed factors per cell.
calibration_totals <- function(design, formula) {
  mm <- model.matrix(formula, model.frame(formula, design$variables))
  factors <- 1 + 0.15 * sin(seq_len(ncol(mm)))
  colSums(mm * weights(design)) * factors
}
stack$sex <- factor(stack$sex)
stack$age <- factor(stack$age)
stack$file <- factor(stack$file)
stacked <- svydesign(ids = ~fpsu, strata = ~fstratum, weights = ~weight, data = stack)
cal_formula <- ~file / (sex + age)
cal_totals <- calibration_totals(stacked, cal_formula)
stacked_cal <- calibrate(stacked, cal_formula, cal_totals, calfun = "raking")
write.csv(data.frame(term = names(cal_totals), total = sprintf("%.17g", cal_totals)),
          file.path(data_dir, "stack_calibration_totals.csv"), row.names = FALSE)

file_change <- function(prefix, design, v) {
  f <- as.formula(paste0("~", v))
  by_file <- svyby(f, ~file, design, svymean, covmat = TRUE)
  add_contrast(paste0(prefix, "/", v, "/all"), svycontrast(by_file, list(change = c(-1, 1))))
  by_region <- svyby(f, ~file + region, design, svymean, covmat = TRUE)
  keys <- paste(by_region$file, by_region$region, sep = ".")
  for (r in sort(unique(by_region$region))) {
    weights_r <- (keys == paste("year2009", r, sep = ".")) - (keys == paste("year2008", r, sep = "."))
    add_contrast(paste0(prefix, "/", v, "/region=", r), svycontrast(by_region, list(change = weights_r)))
  }
}
# na.rm = TRUE fails with covmat = TRUE in survey 4.1.1, so the base is a subset (a domain of the full design).
for (v in variables) file_change("files", subset(stacked, !is.na(stacked$variables[[v]])), v)
# svyby(covmat = TRUE) fails on a calibrated design in survey 4.1.1 (the influence of a calibrated subset keeps
# every row), so the calibrated files use the equivalent form: ratios of totals of file x base indicators.
for (v in variables) {
  d <- stacked_cal
  value <- d$variables[[v]]
  base <- !is.na(value)
  for (r in c("all", sort(unique(stack$region)))) {
    inside <- if (r == "all") TRUE else d$variables$region == r
    for (year in c("year2008", "year2009")) {
      d$variables[[paste0("t", year)]] <- ifelse(base, value, 0) * (d$variables$file == year) * inside
      d$variables[[paste0("n", year)]] <- base * (d$variables$file == year) * inside
    }
    totals <- svytotal(~tyear2009 + nyear2009 + tyear2008 + nyear2008, d)
    add_contrast(paste0("files_cal/", v, "/", if (r == "all") "all" else paste0("region=", r)),
                 svycontrast(totals, list(change = quote(tyear2009 / nyear2009 - tyear2008 / nyear2008))))
  }
}

# ---------------------------------------------------------------------------------------------------------
# Overlapping windows of one file: the change as a nonlinear contrast of totals
# ---------------------------------------------------------------------------------------------------------
w <- datasets$windows
w$day <- as.Date(w$date)
w$inA <- as.numeric(w$day >= as.Date("2008-04-01") & w$day <= as.Date("2009-03-31"))
w$inB <- as.numeric(w$day >= as.Date("2008-10-01") & w$day <= as.Date("2009-09-30"))
w$sex <- factor(w$sex)
w$age <- factor(w$age)
windows_design <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE, data = w)
window_formula <- ~sex + age
windows_cal <- calibrate(windows_design, window_formula, calibration_totals(windows_design, window_formula),
                         calfun = "raking")
write.csv(data.frame(term = names(calibration_totals(windows_design, window_formula)),
                     total = sprintf("%.17g", calibration_totals(windows_design, window_formula))),
          file.path(data_dir, "windows_calibration_totals.csv"), row.names = FALSE)

window_change <- function(design, v, in_domain) {
  d <- design
  value <- d$variables[[v]]
  base <- !is.na(value)
  d$variables$yA <- ifelse(base, value, 0) * d$variables$inA * in_domain
  d$variables$nA <- base * d$variables$inA * in_domain
  d$variables$yB <- ifelse(base, value, 0) * d$variables$inB * in_domain
  d$variables$nB <- base * d$variables$inB * in_domain
  svycontrast(svytotal(~yB + nB + yA + nA, d), list(change = quote(yB / nB - yA / nA)))
}
for (design_name in c("windows", "windows_cal")) {
  design <- if (design_name == "windows") windows_design else windows_cal
  for (v in variables) {
    add_contrast(paste0(design_name, "/", v, "/all"), window_change(design, v, 1))
    for (r in sort(unique(w$region))) {
      add_contrast(paste0(design_name, "/", v, "/region=", r), window_change(design, v, as.numeric(w$region == r)))
    }
  }
}

# Replicate design (JKn): windows by their replicate means; regions by svyby covmat.
jkn <- as.svrepdesign(windows_design, type = "JKn")
write.csv(as.data.frame(weights(jkn, "analysis")), file.path(data_dir, "windows_jkn_replicates.csv"),
          row.names = FALSE)
write.csv(data.frame(scale = sprintf("%.17g", jkn$scale), rscales = sprintf("%.17g", jkn$rscales)),
          file.path(data_dir, "windows_jkn_constants.csv"), row.names = FALSE)
for (v in variables) {
  f <- as.formula(paste0("~", v))
  a <- svymean(f, subset(jkn, inA == 1), na.rm = TRUE, return.replicates = TRUE)
  b <- svymean(f, subset(jkn, inB == 1), na.rm = TRUE, return.replicates = TRUE)
  difference <- as.vector(b$replicates) - as.vector(a$replicates)
  variance <- svrVar(difference, jkn$scale, jkn$rscales, mse = FALSE, coef = coef(b) - coef(a))
  add(paste0("windows_jkn/", v, "/all/change"), coef(b) - coef(a), sqrt(as.numeric(variance)))
  by_region <- svyby(f, ~region, subset(jkn, inA == 1 & !is.na(jkn$variables[[v]])), svymean, covmat = TRUE)
  add_contrast(paste0("windows_jkn/", v, "/regions_in_A"), svycontrast(by_region, list(difference = c(-1, 1))))
}

# ---------------------------------------------------------------------------------------------------------
# Peers
# ---------------------------------------------------------------------------------------------------------
peer_weights <- function(areas, group_of) {
  # One contrast per area: the area minus the plain mean of its group's areas (itself included).
  out <- list()
  for (a in areas) {
    members <- areas[group_of[areas] == group_of[a]]
    out[[a]] <- (areas == a) - (areas %in% members) / length(members)
  }
  out
}

p8 <- datasets$place2008
place_design <- svydesign(ids = ~1, strata = ~la, weights = ~weight, data = p8)
group_of <- setNames(groups$group, groups$area)
by_la <- svyby(~y, ~la, subset(place_design, !is.na(y)), svymean, covmat = TRUE)
add_contrast("peers/y", svycontrast(by_la, peer_weights(as.character(by_la$la), group_of)))

# Areas crossing strata: totals of y * in_area and in_area for every area, then ratio contrasts.
cross_group_of <- setNames(cross_groups$group, cross_groups$area)
area_totals <- function(design, v) {
  d <- design
  value <- d$variables[[v]]
  base <- !is.na(value)
  areas <- sort(unique(d$variables$la))
  terms <- c()
  for (i in seq_along(areas)) {
    inside <- d$variables$la == areas[i]
    d$variables[[paste0("t", i)]] <- ifelse(base, value, 0) * inside
    d$variables[[paste0("n", i)]] <- base * inside
    terms <- c(terms, paste0("t", i), paste0("n", i))
  }
  list(total = svytotal(as.formula(paste("~", paste(terms, collapse = " + "))), d), areas = areas)
}
for (design_name in c("peers_cross", "peers_cross_cal")) {
  design <- if (design_name == "peers_cross") windows_design else windows_cal
  for (v in variables) {
    totals <- area_totals(design, v)
    areas <- totals$areas
    plain <- list()
    pooled <- list()
    for (i in seq_along(areas)) {
      members <- which(cross_group_of[areas] == cross_group_of[areas[i]])
      mean_terms <- paste0("t", members, "/n", members, collapse = " + ")
      plain[[areas[i]]] <- parse(text = sprintf("t%d/n%d - (%s)/%d", i, i, mean_terms, length(members)))[[1]]
      pooled[[areas[i]]] <- parse(text = sprintf("t%d/n%d - (%s)/(%s)", i, i, paste0("t", members, collapse = "+"),
                                                 paste0("n", members, collapse = "+")))[[1]]
    }
    add_contrast(paste0(design_name, "/", v), svycontrast(totals$total, plain))
    add_contrast(paste0(sub("peers_cross", "peers_pop", design_name), "/", v), svycontrast(totals$total, pooled))
  }
}

# Keeping pace: difference in differences on the two Place files, stacked.
place_stack <- rbind(cbind(datasets$place2008, file = "place2008"), cbind(datasets$place2010, file = "place2010"))
place_stack$fstratum <- paste(place_stack$file, place_stack$la)
place_stacked <- svydesign(ids = ~1, strata = ~fstratum, weights = ~weight, data = place_stack)
by_file_la <- svyby(~y, ~file + la, subset(place_stacked, !is.na(y)), svymean, covmat = TRUE)
keys <- paste(by_file_la$file, by_file_la$la)
areas <- sort(unique(place_stack$la))
pace <- list()
for (a in areas) {
  members <- areas[group_of[areas] == group_of[a]]
  own <- (keys == paste("place2010", a)) - (keys == paste("place2008", a))
  peers_change <- ((sub("^\\S+ ", "", keys) %in% members) * ifelse(grepl("^place2010", keys), 1, -1)) /
    length(members)
  pace[[a]] <- own - peers_change
}
add_contrast("pace/y", svycontrast(by_file_la, pace))

# ---------------------------------------------------------------------------------------------------------
cases_table <- do.call(rbind, cases)
cases_table$estimate <- sprintf("%.17g", cases_table$estimate)
cases_table$se <- sprintf("%.17g", cases_table$se)
write.csv(cases_table, file.path(out_dir, "cases.csv"), row.names = FALSE)
writeLines(c(paste("Generated by tests/r/judging_reference.R with", R.version.string),
             paste("survey package", as.character(packageVersion("survey")))),
           file.path(out_dir, "GENERATED_BY.txt"))
