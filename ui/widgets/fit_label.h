// A one-line label that never shows part of its text: where the text does not fit it shows
// nothing (the tooltip still has it). For hints beside controls that a narrow window squeezes.
#pragma once

#include <QLabel>
#include <QResizeEvent>

namespace studio {

class FitLabel final : public QLabel {
 public:
  explicit FitLabel(const QString& text, QWidget* parent = nullptr) : QLabel(parent), full_(text) {
    setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);  // never widens its parent
    setToolTip(text);
    QLabel::setText(text);
  }
  const QString& fullText() const { return full_; }
  // Whether the whole text is shown.
  bool fits() const { return fontMetrics().horizontalAdvance(full_) + 2 * margin() <= width(); }

 protected:
  void resizeEvent(QResizeEvent* event) override {
    QLabel::resizeEvent(event);
    QLabel::setText(fits() ? full_ : QString());
  }

 private:
  QString full_;
};

}  // namespace studio
