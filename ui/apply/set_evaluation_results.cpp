// SetEvaluationDialog's results: the table, the viewer and saving the table.
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QSignalBlocker>
#include <QTableWidget>
#include <algorithm>

#include "set_evaluation_dialog.h"
#include "string_conversion.h"
#include "zoom_image_view.h"

namespace studio {
namespace {

constexpr int kFirstScoreColumn = 2;  // image, measured PSNR, then PSNR and SSIM per regularizer

QTableWidgetItem* Number(double value, int decimals) {
  auto* item = new QTableWidgetItem(QString::number(value, 'f', decimals));
  item->setData(Qt::UserRole, value);
  item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  return item;
}

QString Unconverged(const bilevel::ImageScore& s) {
  return QObject::tr(
             "Stopped at the iteration limit after %1 iterations with ‖∇h‖ = %2, above its "
             "tolerance %3: the scores are those of an inexact solution.")
      .arg(s.iterations)
      .arg(s.residual, 0, 'g', 3)
      .arg(s.tolerance, 0, 'g', 3);
}

// Replaces the file whole or not at all; the bytes as given (no line-end conversion).
bilevel::Status WriteText(const QString& path, const std::string& text) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly))
    return bilevel::Status::Error("cannot write '" + ToStd(path) +
                                  "': " + ToStd(file.errorString()));
  if (file.write(text.data(), qint64(text.size())) != qint64(text.size()) || !file.commit())
    return bilevel::Status::Error("cannot write '" + ToStd(path) +
                                  "': " + ToStd(file.errorString()));
  return bilevel::Status::Ok();
}

}  // namespace

void SetEvaluationDialog::fillTable() {
  const int regs = int(scores_.size());
  const int rows = scores_.empty() ? 0 : int(scores_.front().scores.images.size());
  {
    const QSignalBlocker block(table_);  // no image shown before the table is whole
    table_->clear();
    table_->setColumnCount(kFirstScoreColumn + 2 * regs);
    table_->setRowCount(scores_.empty() ? 0 : rows + 1);
    QStringList headers{tr("image"), tr("measured PSNR")};
    for (const bilevel::LabelledScores& s : scores_)
      headers << ToQString(s.label) + tr(" PSNR") << ToQString(s.label) + tr(" SSIM");
    table_->setHorizontalHeaderLabels(headers);
    table_->horizontalHeaderItem(1)->setToolTip(
        tr("PSNR (dB) of the measurement against the clean image") +
        (regs > 1 ? tr(", as the first regularizer reads the images (grey or colour)")
                  : QString()));
    double measured = 0.0;
    for (int row = 0; row < rows; ++row) {
      const bilevel::ImageScore& first = scores_.front().scores.images[std::size_t(row)];
      table_->setItem(row, 0, new QTableWidgetItem(ToQString(first.name)));
      table_->setItem(row, 1, Number(first.measured_psnr, 2));
      measured += first.measured_psnr;
      for (int j = 0; j < regs; ++j) {
        const std::vector<bilevel::ImageScore>& images = scores_[std::size_t(j)].scores.images;
        if (row >= int(images.size())) continue;
        const bilevel::ImageScore& s = images[std::size_t(row)];
        QTableWidgetItem* psnr = Number(s.psnr, 2);
        if (!s.converged) {
          psnr->setText(QStringLiteral("⚠ ") + psnr->text());
          psnr->setToolTip(Unconverged(s));
        }
        table_->setItem(row, kFirstScoreColumn + 2 * j, psnr);
        table_->setItem(row, kFirstScoreColumn + 2 * j + 1, Number(s.ssim, 4));
      }
    }
    if (!scores_.empty()) {
      // The means, in bold.
      std::vector<QTableWidgetItem*> mean{new QTableWidgetItem(tr("mean")),
                                          Number(rows > 0 ? measured / rows : 0.0, 2)};
      for (const bilevel::LabelledScores& s : scores_) {
        QTableWidgetItem* psnr = Number(s.scores.mean_psnr, 2);
        if (s.scores.unconverged > 0) {
          psnr->setText(QStringLiteral("⚠ ") + psnr->text());
          psnr->setToolTip(tr("%1 of %2 solves stopped at the iteration limit")
                               .arg(s.scores.unconverged)
                               .arg(int(s.scores.images.size())));
        }
        mean.push_back(psnr);
        mean.push_back(Number(s.scores.mean_ssim, 4));
      }
      for (int column = 0; column < int(mean.size()); ++column) {
        QFont bold = mean[std::size_t(column)]->font();
        bold.setBold(true);
        mean[std::size_t(column)]->setFont(bold);
        table_->setItem(rows, column, mean[std::size_t(column)]);
      }
    }
    table_->resizeColumnsToContents();
    if (rows > 0) table_->setCurrentCell(0, 0);
  }
  {
    const QSignalBlocker block(after_choice_);
    after_choice_->clear();
    for (const bilevel::LabelledScores& s : scores_)
      after_choice_->addItem(ToQString(s.label));
    after_choice_->setCurrentIndex(scores_.empty() ? -1 : 0);
  }
  showImage(rows > 0 ? 0 : -1);
}

void SetEvaluationDialog::showImage(int row) {
  if (scores_.empty() || pictures_.size() != scores_.size() || row < 0) return;
  const int reg = std::clamp(after_choice_->currentIndex(), 0, int(scores_.size()) - 1);
  const SetEvaluationPictures& pictures = pictures_[std::size_t(reg)];
  const std::vector<bilevel::ImageScore>& images = scores_[std::size_t(reg)].scores.images;
  // The mean row has no picture: the viewer keeps the image it shows.
  if (row >= int(images.size()) || row >= int(pictures.restored.size()) ||
      row >= int(pictures.measured.size()))
    return;
  const bilevel::ImageScore& s = images[std::size_t(row)];
  const QString name = ToQString(s.name);
  before_->setImage(pictures.measured[std::size_t(row)]);
  before_->setCaption(tr("%1 · PSNR %2 dB").arg(name).arg(s.measured_psnr, 0, 'f', 2));
  after_->setImage(pictures.restored[std::size_t(row)]);
  QString caption = tr("%1 · PSNR %2 dB · SSIM %3")
                        .arg(ToQString(scores_[std::size_t(reg)].label))
                        .arg(s.psnr, 0, 'f', 2)
                        .arg(s.ssim, 0, 'f', 4);
  if (!s.converged) caption += tr(" · ⚠ stopped at the iteration limit");
  after_->setCaption(caption);
  after_->setView(before_->view());  // in step, also after one of them was fitted anew
}

void SetEvaluationDialog::showFailure(const QString& message) {
  // No table or picture of an earlier evaluation stays beside the error.
  scores_.clear();
  pictures_.clear();
  warnings_.clear();
  table_->clear();
  table_->setRowCount(0);
  table_->setColumnCount(0);
  after_choice_->clear();
  for (ZoomImageView* view : {before_, after_}) {
    view->setImage(QImage());
    view->setCaption(QString());
  }
  save_->setEnabled(false);
  status_text_ = message;
  status_->setText(
      QStringLiteral("<span style='color:#b00020'>%1</span>").arg(message.toHtmlEscaped()));
}

QString SetEvaluationDialog::summary() const {
  if (scores_.empty()) return {};
  const int images = int(scores_.front().scores.images.size());
  double seconds = 0.0;
  int unconverged = 0;
  for (const bilevel::LabelledScores& s : scores_) {
    seconds += s.scores.seconds;
    unconverged += s.scores.unconverged;
  }
  const int regs = int(scores_.size());
  QString text = tr("%1 %2, %3 %4: %5 s of solves on %6")
                     .arg(images)
                     .arg(images == 1 ? tr("image") : tr("images"))
                     .arg(regs)
                     .arg(regs == 1 ? tr("regularizer") : tr("regularizers"))
                     .arg(seconds, 0, 'f', 1)
                     .arg(ToQString(scores_.back().scores.backend));
  if (unconverged > 0)
    text += tr(" · ⚠ %1 of %2 solves stopped at the iteration limit before their tolerance "
               "(marked ⚠): their scores are those of inexact solutions; raise the iteration "
               "limit or ε")
                .arg(unconverged)
                .arg(images * regs);
  for (const std::string& w : warnings_)
    text += QStringLiteral(" · ") + ToQString(w);
  return text;
}

bilevel::Status SetEvaluationDialog::saveTable(const QString& csv_path) const {
  if (scores_.empty()) return bilevel::Status::Error("there is no table to save: evaluate first");
  if (csv_path.trimmed().isEmpty()) return bilevel::Status::Error("choose a file for the table");
  // The Markdown beside the CSV, as bilevel-cli evaluate --out writes them.
  const QFileInfo csv(csv_path);
  const QFileInfo md(csv.dir().filePath(csv.completeBaseName() + QStringLiteral(".md")));
  if (bilevel::Status s = WriteText(csv_path, bilevel::SetScoresCsv(scores_)); !s.ok()) return s;
  if (md.absoluteFilePath() != csv.absoluteFilePath())
    return WriteText(md.filePath(), bilevel::SetScoresMarkdown(scores_));
  return bilevel::Status::Ok();
}

void SetEvaluationDialog::chooseSaveFile() {
  if (scores_.empty()) return;
  const QDir images(folder());
  const QString suggestion = QDir::cleanPath(
      images.absoluteFilePath(QStringLiteral("../%1-scores.csv").arg(images.dirName())));
  const QString path = QFileDialog::getSaveFileName(this, tr("Save the table"), suggestion,
                                                    tr("CSV table (*.csv);;All files (*)"));
  if (path.isEmpty()) return;
  if (bilevel::Status s = saveTable(path); !s.ok()) {
    QMessageBox::warning(this, windowTitle(), tr("The table was not saved: %1").arg(Message(s)));
    return;
  }
  status_text_ = summary() + tr(" · saved %1 and the Markdown beside it (.md)").arg(path);
  status_->setText(status_text_.toHtmlEscaped());
}

}  // namespace studio
